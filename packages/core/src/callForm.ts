import { RuleError } from './errors';
import { isPlainObject } from './records';
import type { CallForm, RuleRecord } from './ruleRecord';
import { NoTangent, ZeroTangent, describe, isNoTangent, isTangent, isThunk, isZero } from './tangents';
import { adapterOf } from './adapter';

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
  if (record.options !== undefined && n > 0) {
    const last = callArgs[n - 1];
    if (last === undefined || isPlainObject(last)) return { form: 'trailing', args: callArgs.slice(0, n - 1), kw: last };
  }
  return { form: 'plain', args: callArgs, kw: undefined };
}

/** The call's arguments as the user would have passed them: options last. */
export function joinCall(split: SplitCall): unknown[] {
  return split.form === 'plain' ? [...split.args] : [...split.args, split.kw];
}

/** Primals that have no derivative: their only tangent is `NoTangent`. */
export function isStaticPrimal(value: unknown): boolean {
  const kind = typeof value;
  return value === undefined || value === null || kind === 'string' || kind === 'boolean' || kind === 'function' || kind === 'symbol' || kind === 'bigint';
}

/**
 * Checks the tangent of positional argument `index` against its primal: present, `NoTangent` for a
 * static primal, a Tangent (or zero) for a record, a number or an array for a number or an
 * array.
 */
export function checkArgTangent(primal: unknown, tangent: unknown, index: number, rule: string, direction: 'cotangent' | 'tangent'): unknown {
  if (typeof tangent === 'number' && typeof primal === 'number') return tangent;
  if (tangent === undefined) {
    if (direction === 'tangent') return isStaticPrimal(primal) ? NoTangent : ZeroTangent;
    throw new RuleError('missing-tangent', {
      rule,
      slot: `args[${index}]`,
      message: 'the pullback returned no tangent for this argument.',
      fix: 'Return one tangent per positional argument: NoTangent where none exists, ZeroTangent where it is zero.',
    });
  }
  if (typeof primal === 'function' && (isZero(tangent) || isTangent(tangent) || isThunk(tangent))) {
    return tangent; // a closure's tangent is that of its captured state, or none
  }
  if (isStaticPrimal(primal)) {
    if (isNoTangent(tangent) || (direction === 'tangent' && isZero(tangent))) return tangent;
    throw new RuleError('tangent-for-static', {
      rule,
      slot: `args[${index}]`,
      message: `got ${describe(tangent)} for ${describe(primal)}, which has no derivative.`,
      fix: 'Return NoTangent for strings, flags, functions and other non-differentiable arguments.',
    });
  }
  if (isZero(tangent) || isThunk(tangent)) return tangent;
  const record = isPlainObject(primal) || Array.isArray(primal);
  const ok = record ? isTangent(tangent) : typeof tangent === 'number' || adapterOf(tangent) !== undefined;
  if (ok) return tangent;
  throw new RuleError('tangent-mismatch', {
    rule,
    slot: `args[${index}]`,
    message: `got ${describe(tangent)} as the tangent of ${describe(primal)}.`,
    fix: record
      ? 'The tangent of a record or an array argument is a Tangent of its fields.'
      : 'The tangent of a number or an engine array is a number or an array of the same engine.',
  });
}

/** Where a call's first positional tangent stands in the raw tuple of its form. */
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
