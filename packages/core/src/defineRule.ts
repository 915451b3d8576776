import type { z } from 'zod';
import { arrangeSlots, checkArgTangent, firstArgSlot, isStaticPrimal, joinCall, readSlots } from './callForm';
import type { RuleConfig } from './config';
import { RuleError } from './errors';
import { configOf, makeRuleAware } from './dispatch';
import { conformOptionsTangent, parseOptions, planOptions } from './options';
import type { OptionsPlan, ParsedOptions } from './options';
import { isPlainObject } from './records';
import { registry } from './registry';
import type { AnyFunction, CallForm, ForwardRule, OptOutPredicate, ReverseRule, RuleCallCounts, RuleRecord } from './ruleRecord';
import { NoTangent, Tangent, ZeroTangent, describe, isNoTangent, isTangent, isThunk, isZero, thunk, unthunk } from './tangents';
import type { Differentiable, TangentOf } from './tangents';

/** The options type a rule sees: the schema's output (defaults applied), or `{}` without one. */
export type OptionsOf<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** The positional parameters of `F`: all of them without a schema, all but the trailing options with one. */
export type PositionalOf<F extends AnyFunction, S> = [S] extends [undefined]
  ? Parameters<F>
  : Required<Parameters<F>> extends [...infer P, unknown]
    ? { [I in keyof P]: Parameters<F>[I & keyof Parameters<F>] }
    : Parameters<F>;

/** The cotangent a pullback receives: never a zero or a thunk (core handles those). */
export type CotangentOf<Y> = 0 extends 1 & Y ? any : [Y] extends [Differentiable] ? Y | number : unknown;

/** The named slots a pullback returns. */
export interface PullbackSlots<Args extends readonly unknown[], O> {
  /** One tangent per positional argument. */
  readonly args: { readonly [I in keyof Args]: TangentOf<Args[I]> };
  /** The options' tangent: a `Tangent` of the differentiable fields the caller passed. */
  readonly kwargs?: TangentOf<O> | undefined;
  /** The function's own tangent (closures over differentiable state); `NoTangent` when absent. */
  readonly self?: unknown;
}

/**
 * The named tangents an frule receives: zeros where the caller gave none. `kwargs` is always
 * a `Tangent` (empty when no option varies), so `kwargs.get('c')` reads any field.
 */
export interface ForwardTangents<Args extends readonly unknown[], O> {
  readonly args: { readonly [I in keyof Args]: TangentOf<Args[I]> };
  readonly kwargs: Tangent<O & object>;
  readonly self: unknown;
}

/**
 * What {@link defineRule} takes: a name, an optional zod kwargs schema, and a reverse rule, a
 * forward rule or both, written with named slots.
 */
export interface RuleSpec<F extends AnyFunction, S extends z.ZodType | undefined = undefined> {
  /** The rule's name in errors; defaults to the function's name. */
  readonly name?: string;
  /** A `z.object` of the options; `kw.diff()` marks differentiable fields. */
  readonly kwargs?: S;
  /**
   * Positional arguments that have no derivative (a count, an index, an integer array), by
   * index — JAX's `nondiff_argnums`. Their tangent is `NoTangent` (the pullback must return
   * exactly that, the frule receives it), and an engine value being differentiated there is a
   * `RuleError` (`differentiable-in-static`). Everywhere else, `NoTangent` for a number or an
   * engine array is `missing-tangent`: it says no derivative exists.
   */
  readonly staticArgs?: readonly number[];
  /** `(cfg, opts, ...args) → [y, (ȳ) => ({ args, kwargs, self })]`. */
  readonly rrule?: (
    cfg: RuleConfig<any>,
    opts: OptionsOf<S>,
    ...args: PositionalOf<F, S>
  ) => readonly [ReturnType<F>, (cotangent: CotangentOf<ReturnType<F>>) => PullbackSlots<PositionalOf<F, S>, OptionsOf<S>>];
  /** `(cfg, { args, kwargs, self }, opts, ...args) → [y, ẏ]`. */
  readonly frule?: (
    cfg: RuleConfig<any>,
    tangents: ForwardTangents<PositionalOf<F, S>, OptionsOf<S>>,
    opts: OptionsOf<S>,
    ...args: PositionalOf<F, S>
  ) => readonly [ReturnType<F>, unknown];
}

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

function isPullbackPair(value: unknown): value is readonly [unknown, AnyFunction] {
  return Array.isArray(value) && value.length === 2 && typeof value[1] === 'function';
}

function compileReverse(name: string, plan: OptionsPlan | undefined, statics: ReadonlySet<number>, rule: NonNullable<RuleSpec<AnyFunction, any>['rrule']>, calls: RuleCallCounts): ReverseRule {
  return (cfg, form, kw, args) => {
    const { values, passed } = resolveOptions(plan, form, kw, name);
    const config = cfg ?? configOf(plan, name, args, kw);
    calls.rrule++;
    const result = rule(config, values, ...args);
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
      calls.pullback++;
      const slots = pullback(seed) as Partial<PullbackSlots<unknown[], unknown>> | undefined;
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
      for (let i = 0; i < args.length; i++) out[first + i] = checkArgTangent(args[i], slots.args[i], i, name, 'cotangent', statics.has(i));
      return out;
    };
    return [y, pulled];
  };
}

function compileForward(name: string, plan: OptionsPlan | undefined, statics: ReadonlySet<number>, rule: NonNullable<RuleSpec<AnyFunction, any>['frule']>, calls: RuleCallCounts): ForwardRule {
  return (cfg, tangents, form, kw, args) => {
    const { values, passed } = resolveOptions(plan, form, kw, name);
    const slots = readSlots(form, tangents, args.length, name);
    const argTangents = slots.args.map((tangent, i) => checkArgTangent(args[i], unthunkFields(tangent), i, name, 'tangent', statics.has(i)));
    const conformed = plan === undefined ? NoTangent : conformOptionsTangent(plan, passed, slots.kwargs, 'tangent', name, undefined);
    const kwTangent = isTangent(conformed) ? conformed : NO_FIELDS;
    const config = cfg ?? configOf(plan, name, args, kw);
    calls.frule++;
    const result = rule(config, { args: argTangents, kwargs: kwTangent as Tangent<never>, self: unthunk(slots.self) ?? NoTangent }, values, ...args);
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
  if (isThunk(dy)) {
    return thunk(() => {
      const value = unthunk(dy);
      if (isNoTangent(value) && inputsMove()) refuse();
      return value;
    });
  }
  if (isNoTangent(dy) && inputsMove()) refuse();
  return dy;
}

/** `spec.staticArgs`, checked: distinct non-negative integers (frozen, sorted). */
function checkStaticArgs(staticArgs: unknown, name: string): readonly number[] {
  if (staticArgs === undefined) return Object.freeze([]);
  const valid = Array.isArray(staticArgs) && staticArgs.every((i) => Number.isInteger(i) && i >= 0) && new Set(staticArgs).size === staticArgs.length;
  if (!valid) {
    throw new RuleError('invalid-rule', {
      rule: name,
      slot: 'staticArgs',
      message: `spec.staticArgs must be a list of distinct positional indices (integers ≥ 0), got ${describe(staticArgs)}.`,
      fix: 'Pass the indices of the arguments without a derivative, e.g. staticArgs: [1].',
    });
  }
  return Object.freeze([...(staticArgs as number[])].sort((a, b) => a - b));
}

/** Registers a rule under both identities; a later definition for the same function wins. */
function register(record: RuleRecord): void {
  registry.rules.set(record.fn, record);
  registry.rules.set(record.impl, record);
}

function checkFunction(f: unknown, what: string): asserts f is AnyFunction {
  if (typeof f !== 'function') {
    throw new RuleError('invalid-rule', {
      message: `${what} takes a function, got ${describe(f)}.`,
      fix: 'Pass the plain implementation of the function.',
    });
  }
}

/**
 * Defines a rule for `f` and returns the rule-aware function: it behaves as `f` on plain
 * values, and runs the rule under an installed adapter's engine when called with that
 * engine's values. The rule is registered under the returned function and under `f`, so
 * `rrule(cfg, foo, …)` and `rrule(cfg, kwcall, kw, foo, …)` find it.
 *
 * The kwargs schema is compiled once, here: every call checks its options against it (on plain
 * numbers too) without rebuilding it.
 *
 * `f`, the plain function, is written engine-neutrally — with `namespaceOf(...)` or an
 * `ArrayApi` — and borrows its arguments: it must not free or consume them (an engine whose
 * functions consume their arguments, like jax-js, releases what the caller handed over itself).
 *
 * @example
 * ```ts
 * const foo = defineRule((a: number, b: number, { c = 42 }: { c?: number } = {}) => a * b * c, {
 *   name: 'foo',
 *   kwargs: z.object({ c: kw.diff().default(42) }),
 *   rrule: (cfg, { c }, a, b) => {
 *     const { xp } = cfg;
 *     const y = xp.multiply(xp.multiply(a, b), c);
 *     return [y, (ȳ) => ({
 *       args: [xp.multiply(ȳ, xp.multiply(b, c)), xp.multiply(ȳ, xp.multiply(a, c))],
 *       kwargs: new Tangent({ c: xp.multiply(ȳ, xp.multiply(a, b)) }),
 *     })];
 *   },
 * });
 * ```
 */
export function defineRule<F extends AnyFunction, S extends z.ZodType | undefined = undefined>(f: F, spec: RuleSpec<F, S>): F {
  checkFunction(f, 'defineRule');
  if (typeof spec !== 'object' || spec === null) {
    throw new RuleError('invalid-rule', {
      message: `defineRule takes a spec object, got ${describe(spec)}.`,
      fix: 'Pass { name, kwargs?, rrule?, frule? }.',
    });
  }
  const name = spec.name ?? (f.name || 'anonymous');
  if (spec.rrule === undefined && spec.frule === undefined) {
    throw new RuleError('invalid-rule', {
      rule: name,
      message: 'the spec has neither an rrule nor an frule.',
      fix: 'Give at least one, or use nonDifferentiable(f) for a function with no derivative.',
    });
  }
  for (const key of ['rrule', 'frule'] as const) {
    if (spec[key] !== undefined && typeof spec[key] !== 'function') {
      throw new RuleError('invalid-rule', { rule: name, message: `spec.${key} is ${describe(spec[key])}, not a function.`, fix: `Pass spec.${key} as a function.` });
    }
  }
  const plan = spec.kwargs === undefined ? undefined : planOptions(spec.kwargs, name);
  const staticArgs = checkStaticArgs(spec.staticArgs, name);
  const statics: ReadonlySet<number> = new Set(staticArgs);
  let record: RuleRecord;
  const fn = makeRuleAware(f, name, () => record);
  const calls: RuleCallCounts = { rrule: 0, pullback: 0, frule: 0 };
  record = {
    name,
    fn,
    impl: f,
    options: plan,
    nonDifferentiable: false,
    staticArgs,
    reverse: spec.rrule === undefined ? undefined : compileReverse(name, plan, statics, spec.rrule as never, calls),
    forward: spec.frule === undefined ? undefined : compileForward(name, plan, statics, spec.frule as never, calls),
    optOuts: Object.freeze([]),
    calls,
  };
  register(record);
  return fn as F;
}

/**
 * Declares that `f` has no derivative with respect to anything (a count, a comparison, an
 * index lookup) and returns its rule-aware form. Its rrule gives `NoTangent` in every slot
 * and its frule a `NoTangent` output tangent, so engines stop differentiating there.
 *
 * @example
 * ```ts
 * const argmax = nonDifferentiable((xs: number[]) => xs.indexOf(Math.max(...xs)));
 * rrule(argmax, [1, 3, 2])![1](1); // [NoTangent, NoTangent]
 * ```
 */
export function nonDifferentiable<F extends AnyFunction>(f: F, name: string = f.name || 'anonymous'): F {
  checkFunction(f, 'nonDifferentiable');
  const primalOf = (form: CallForm, kw: unknown, args: readonly unknown[]): unknown =>
    f(...joinCall({ form: form === 'kwcall' ? 'trailing' : form, args, kw }));
  let record: RuleRecord;
  const fn = makeRuleAware(f, name, () => record);
  record = {
    name,
    fn,
    impl: f,
    options: undefined,
    nonDifferentiable: true,
    reverse: (_cfg, form, kw, args) => [
      primalOf(form, kw, args),
      () => arrangeSlots(form, NoTangent, args.map(() => NoTangent), NoTangent),
    ],
    forward: (_cfg, tangents, form, kw, args) => {
      readSlots(form, tangents, args.length, name);
      return [primalOf(form, kw, args), NoTangent];
    },
    optOuts: Object.freeze([]),
  };
  register(record);
  return fn as F;
}

/**
 * Opts some calls of a rule-aware function out of its rule: where `predicate` (given the
 * call's arguments, options last) is true, `rrule` and `frule` return `undefined` and the
 * engine differentiates the function with its own AD. Returns a function that removes the
 * predicate again.
 *
 * @example
 * ```ts
 * // Use the engine's AD for integer powers, the rule for the rest. The predicate sees the
 * // call's arguments untyped (options last), so it narrows them itself.
 * const undo = optOut(power, (_x, options) => Number.isInteger((options as { p?: number } | undefined)?.p));
 * ```
 */
export function optOut(f: AnyFunction, predicate: OptOutPredicate): () => void {
  checkFunction(f, 'optOut');
  checkFunction(predicate, 'optOut (predicate)');
  const record = registry.rules.get(f);
  if (record === undefined) {
    throw new RuleError('invalid-rule', {
      rule: f.name || undefined,
      message: 'optOut was given a function that has no rule.',
      fix: 'Define the rule with defineRule first, and pass the function it returned.',
    });
  }
  record.optOuts = Object.freeze([...record.optOuts, predicate]);
  return () => {
    record.optOuts = Object.freeze(record.optOuts.filter((p) => p !== predicate));
  };
}
