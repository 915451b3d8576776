import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { describe } from '../tangents/describe';
import { NoTangent, isZero } from '../tangents/zeros';
import type { RuleRecord } from './record';
import type { CallForm } from './types';

/*
 * Where each tangent stands in the raw tuples of the contracts: a call split into positional
 * arguments and options, and the slots of its form.
 */

/** A call split into its positional arguments and its options. */
export interface SplitCall {
  readonly form: CallForm;
  readonly args: readonly unknown[];
  readonly kw: unknown;
}

/**
 * Splits `f(...callArgs)`: a rule with a kwargs schema takes its options as the last
 * argument when that is a plain object (or `undefined`); every other argument is positional.
 */
export function splitCall(record: RuleRecord, callArgs: readonly unknown[]): SplitCall {
  const n = callArgs.length;
  if (record.plan !== undefined && n > 0) {
    const last = callArgs[n - 1];
    if (last === undefined || isPlainObject(last)) return { form: 'trailing', args: callArgs.slice(0, n - 1), kw: last };
  }
  return { form: 'plain', args: callArgs, kw: undefined };
}

/** The call's arguments as the user would have passed them: options last. */
export function joinCall(split: SplitCall): unknown[] {
  return split.form === 'plain' ? [...split.args] : [...split.args, split.kw];
}

export function firstArgSlot(form: CallForm): number {
  return form === 'kwcall' ? 3 : 1;
}

/** Arranges a call's tangent slots in the raw tuple order of its form. */
export function arrangeSlots(form: CallForm, self: unknown, args: readonly unknown[], kwargs: unknown): unknown[] {
  switch (form) {
    case 'plain':
      return [self, ...args];
    case 'trailing':
      return [self, ...args, kwargs];
    case 'kwcall':
      return [NoTangent, kwargs, self, ...args];
  }
}

/** The inverse of {@link arrangeSlots}: the named slots of a raw tangent tuple. */
export function readSlots(form: CallForm, tangents: readonly unknown[], argCount: number, rule: string): { self: unknown; args: unknown[]; kwargs: unknown } {
  const expected = argCount + (form === 'plain' ? 1 : form === 'trailing' ? 2 : 3);
  if (!Array.isArray(tangents) || tangents.length !== expected) {
    throw new RuleError('wrong-slot-count', {
      rule,
      slot: 'tangents',
      message: `expected ${expected} tangents (the function first${form === 'kwcall' ? ', after kwcall and the options' : form === 'trailing' ? ', the options last' : ''}), got ${Array.isArray(tangents) ? tangents.length : describe(tangents)}.`,
      fix: 'Pass one tangent per argument of the call, the function’s own first (NoTangent for a plain function).',
    });
  }
  switch (form) {
    case 'plain':
      return { self: tangents[0], args: tangents.slice(1), kwargs: undefined };
    case 'trailing':
      return { self: tangents[0], args: tangents.slice(1, 1 + argCount), kwargs: tangents[1 + argCount] };
    case 'kwcall':
      if (!isZero(tangents[0]) && tangents[0] !== undefined) {
        throw new RuleError('tangent-for-static', {
          rule,
          slot: 'kwcall',
          message: `got ${describe(tangents[0])} for kwcall itself, which has no derivative.`,
          fix: 'Pass NoTangent first.',
        });
      }
      return { self: tangents[2], args: tangents.slice(3), kwargs: tangents[1] };
  }
}
