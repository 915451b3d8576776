import { configOf } from '../engines/dispatch';
import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { conformOptionsTangent } from '../options/conform';
import { parseOptions } from '../options/parse';
import type { ParsedOptions } from '../options/parse';
import type { OptionsPlan } from '../options/plan';
import { describe } from '../tangents/describe';
import { isNotImplemented, notImplementedError } from '../tangents/notImplemented';
import { Tangent, isTangent } from '../tangents/tangent';
import { isThunk, thunk, unthunk } from '../tangents/thunk';
import { inRule, observing, ranPullback, ranRule } from '../trace/observer';
import { NoTangent, ZeroTangent, isNoTangent, isZero } from '../tangents/zeros';
import { checkArgTangent, isStaticPrimal } from './checks';
import type { ForwardRule, ReverseRule, RuleRunCounts } from './record';
import { arrangeSlots, firstArgSlot, readSlots } from './slots';
import type { PullbackSlots, RuleSpec } from './spec';
import type { AnyFunction, CallForm } from './types';

/*
 * A rule's spec compiled into the raw contracts: options resolved (or taken as checked by a
 * RuleCall), the named slots arranged in the call's raw tuple, every tangent checked.
 */

const EMPTY_OPTIONS: Record<string, never> = Object.freeze({});
/** The options tangent an frule sees when no option varies: every field reads as `ZeroTangent`. */
const NO_FIELDS = new Tangent({});

function resolveOptions(plan: OptionsPlan | undefined, form: CallForm, kw: unknown, name: string): ParsedOptions {
  if (plan !== undefined) return parseOptions(plan, kw, name);
  if (form !== 'plain' && kw !== undefined) {
    const keys = isPlainObject(kw) ? Object.keys(kw) : undefined;
    if (keys === undefined || keys.length > 0) {
      throw new RuleError('undeclared-option', {
        rule: name,
        slot: keys === undefined ? 'kwargs' : `kwargs.${keys[0]!}`,
        message: `options were passed (${keys === undefined ? describe(kw) : keys.join(', ')}), but the rule declares none, so their tangents would be lost.`,
        fix: 'Declare them with a kwargs schema in defineRule (kw.diff() for differentiable ones), or call the function without options.',
      });
    }
  }
  return { values: EMPTY_OPTIONS, passed: undefined };
}

/**
 * A tangent with its thunks evaluated, at the top and in the fields of `Tangent`s (a record
 * output's cotangent, a record argument's tangent): rules read tangents as values. Unchanged
 * tangents are returned as they are.
 */
function unthunkFields(tangent: unknown): unknown {
  const value = unthunk(tangent);
  if (!isTangent(value)) return value;
  const fields = value.backing as Record<string, unknown>;
  const keys = value.keys();
  const evaluated = keys.map((key) => unthunkFields(fields[key]));
  if (evaluated.every((field, i) => field === fields[keys[i]!])) return value;
  if (Array.isArray(fields)) return new Tangent(evaluated as never);
  const record: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  keys.forEach((key, i) => (record[key] = evaluated[i]));
  return new Tangent(record);
}

/** The spec of a rule of any signature and any options schema: what the compilers take. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a rule of any options schema
type AnySpec = RuleSpec<AnyFunction, any>;

function isPullbackPair(value: unknown): value is readonly [unknown, AnyFunction] {
  return Array.isArray(value) && value.length === 2 && typeof value[1] === 'function';
}

export function compileReverse(name: string, plan: OptionsPlan | undefined, statics: ReadonlySet<number>, rule: NonNullable<AnySpec['rrule']>, runs: RuleRunCounts): ReverseRule {
  return (cfg, form, kw, args, parsed) => {
    const { values, passed } = parsed ?? resolveOptions(plan, form, kw, name);
    const config = cfg ?? configOf(plan, name, args, plan === undefined ? kw : values);
    runs.rrule++;
    // While a rule trace or the watch mode is on: the run is recorded, and calls made in the rule are inside it.
    const observer = observing();
    const entry = observer === undefined ? undefined : ranRule(observer, name, 'rrule', config.engine);
    const result = observer === undefined ? rule(config, values, ...args) : inRule(observer, name, 'rrule', () => rule(config, values, ...args));
    if (!isPullbackPair(result)) {
      throw new RuleError('invalid-rule', {
        rule: name,
        message: `the rrule returned ${describe(result)}, not [y, pullback].`,
        fix: 'Return a pair: the primal output and a function of the cotangent.',
      });
    }
    const [y, pullback] = result;
    const pulled = (cotangent: unknown): unknown[] => {
      const seed = unthunkFields(cotangent);
      if (isZero(seed)) {
        const zeros = args.map((arg, i) => (statics.has(i) || isStaticPrimal(arg) ? NoTangent : ZeroTangent));
        return arrangeSlots(form, NoTangent, zeros, passed === undefined ? NoTangent : ZeroTangent);
      }
      runs.pullback++;
      const observer = observing();
      if (observer !== undefined || entry !== undefined) ranPullback(name, entry);
      const slots = (observer === undefined ? pullback(seed) : inRule(observer, name, 'pullback', () => pullback(seed))) as Partial<PullbackSlots<unknown[], unknown>> | undefined;
      if (typeof slots !== 'object' || slots === null || !Array.isArray(slots.args)) {
        throw new RuleError('invalid-rule', {
          rule: name,
          slot: 'args',
          message: `the pullback returned ${describe(slots)}, not { args: [...], kwargs?, self? }.`,
          fix: 'Return the named slots: { args: [ā, b̄], kwargs: new Tangent({ … }) }.',
        });
      }
      if (slots.args.length !== args.length) {
        throw new RuleError('wrong-slot-count', {
          rule: name,
          slot: 'args',
          message: `the pullback returned ${slots.args.length} argument tangents for a call with ${args.length} positional arguments.`,
          fix: 'Return one tangent per positional argument, in order.',
        });
      }
      const kwTangent = plan === undefined ? NoTangent : conformOptionsTangent(plan, passed, slots.kwargs, 'cotangent', name, values);
      // The raw tuple is checked in place: this runs once per backward step.
      const out = arrangeSlots(form, slots.self ?? NoTangent, slots.args, kwTangent);
      const first = firstArgSlot(form);
      const anyStatic = statics.size > 0;
      for (let i = 0; i < args.length; i++) out[first + i] = checkArgTangent(args[i], slots.args[i], i, name, 'cotangent', anyStatic && statics.has(i));
      return out;
    };
    return [y, pulled];
  };
}

export function compileForward(name: string, plan: OptionsPlan | undefined, statics: ReadonlySet<number>, rule: NonNullable<AnySpec['frule']>, runs: RuleRunCounts): ForwardRule {
  return (cfg, tangents, form, kw, args, parsed) => {
    const { values, passed } = parsed ?? resolveOptions(plan, form, kw, name);
    const slots = readSlots(form, tangents, args.length, name);
    const argTangents = slots.args.map((tangent, i) => checkArgTangent(args[i], unthunkFields(tangent), i, name, 'tangent', statics.has(i)));
    const conformed = plan === undefined ? NoTangent : conformOptionsTangent(plan, passed, slots.kwargs, 'tangent', name, values);
    const kwTangent = isTangent(conformed) ? conformed : NO_FIELDS;
    const config = cfg ?? configOf(plan, name, args, plan === undefined ? kw : values);
    runs.frule++;
    const observer = observing();
    const named = { args: argTangents, kwargs: kwTangent as Tangent<never>, self: unthunk(slots.self) ?? NoTangent };
    if (observer !== undefined) ranRule(observer, name, 'frule', config.engine);
    const result = observer === undefined ? rule(config, named, values, ...args) : inRule(observer, name, 'frule', () => rule(config, named, values, ...args));
    if (!Array.isArray(result) || result.length !== 2) {
      throw new RuleError('invalid-rule', {
        rule: name,
        message: `the frule returned ${describe(result)}, not [y, ẏ].`,
        fix: 'Return a pair: the primal output and its tangent.',
      });
    }
    return [result[0], checkOutputTangent(result[1], argTangents, kwTangent, name)];
  };
}

/** True when a tangent is not a zero: a value, or a `Tangent` with a field that is not a zero. */
function moves(tangent: unknown): boolean {
  const value = unthunk(tangent);
  if (isZero(value) || value === undefined) return false;
  if (!isTangent(value)) return true;
  const fields = value.backing as Record<string, unknown>;
  return value.keys().some((key) => moves(fields[key]));
}

/**
 * An frule's ẏ: `NoTangent` there says the output has no derivative, which an engine would turn
 * into a silent zero — so while any input tangent moves it is `missing-tangent` (a thunk is
 * checked when it is evaluated).
 */
function checkOutputTangent(dy: unknown, argTangents: readonly unknown[], kwTangent: unknown, name: string): unknown {
  const refuse = (): never => {
    throw new RuleError('missing-tangent', {
      rule: name,
      slot: 'output',
      message: "the frule returned NoTangent as the output's tangent while an input tangent is not zero: NoTangent says the output has no derivative, and an engine would turn it into a silent zero.",
      fix: "Return ẏ computed from the tangents (ZeroTangent where it is truly zero), or declare the inputs that do not move the output static.",
    });
  };
  const inputsMove = (): boolean => argTangents.some(moves) || moves(kwTangent);
  const check = (value: unknown): unknown => {
    if (isNoTangent(value) && inputsMove()) refuse();
    if (isNotImplemented(value) && inputsMove()) throw notImplementedError(value, name, 'output');
    return value;
  };
  return isThunk(dy) ? thunk(() => check(unthunk(dy))) : check(dy);
}
