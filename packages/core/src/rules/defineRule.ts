import type { $ZodType } from 'zod/v4/core';
import { makeRuleAware } from '../engines/dispatch';
import { RuleError } from '../errors';
import { planOptions } from '../options/plan';
import { describe } from '../tangents/describe';
import { NoTangent } from '../tangents/zeros';
import { compileForward, compileReverse } from './compile';
import { recordOf, register } from './record';
import type { RuleRecord, RuleRunCounts } from './record';
import { arrangeSlots, joinCall, readSlots } from './slots';
import type { RuleSpec } from './spec';
import type { AnyFunction, CallForm, OptOutPredicate } from './types';

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
export function defineRule<F extends AnyFunction, S extends $ZodType | undefined = undefined>(f: F, spec: RuleSpec<F, S>): F {
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
  const runs: RuleRunCounts = { rrule: 0, pullback: 0, frule: 0 };
  record = {
    name,
    fn,
    impl: f,
    plan,
    nonDifferentiable: false,
    staticArgs,
    reverse: spec.rrule === undefined ? undefined : compileReverse(name, plan, statics, spec.rrule as never, runs),
    forward: spec.frule === undefined ? undefined : compileForward(name, plan, statics, spec.frule as never, runs),
    optOuts: Object.freeze([]),
    runs,
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
    plan: undefined,
    staticArgs: Object.freeze([]),
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
  const record = recordOf(f);
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
