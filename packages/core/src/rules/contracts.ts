import { isRuleConfig } from '../engines/config';
import type { RuleConfig } from '../engines/config';
import { RuleError } from '../errors';
import { sharedSingleton } from '../internal/registry';
import { describe } from '../tangents/describe';
import { optedOut as optedOutOf, recordOf } from './record';
import type { RuleRecord } from './record';
import type { KwcallArgs, KwcallOptions } from './signature';
import { joinCall, splitCall } from './slots';
import type { AnyFunction, CallForm, Pullback } from './types';

declare const KWCALL: unique symbol;

/**
 * The type of {@link kwcall}: `kwcall(kw, f, ...args) ≡ f(...args, kw)`. Its brand, absent at
 * run time, lets the contracts' types tell `rrule(kwcall, kw, f, …)` from `rrule(f, …)` and
 * check `kw` against `f`'s options.
 */
export interface Kwcall {
  <K, A extends unknown[], R>(kw: K, f: (...args: [...A, K]) => R, ...args: A): R;
  /** Marks the type of `kwcall`; the key is a symbol no code can reach, and no value has it at run time. */
  readonly [KWCALL]: true;
}

/** Any function but {@link kwcall} (whose calls take the keyword form's overloads, which check the options). */
export type NotKwcall = AnyFunction & { readonly [KWCALL]?: never };

/**
 * Calls `f` with `kw` as its trailing options: `kwcall(kw, f, ...args) ≡ f(...args, kw)`.
 * Its role is the rule contracts' keyword form (Julia's `Core.kwcall`):
 * `rrule(kwcall, kw, f, ...args)` returns a pullback whose second slot is the options' tangent.
 * One function shared by every copy of core.
 *
 * @example
 * ```ts
 * kwcall({ c: 3 }, foo, 2, 3);                 // foo(2, 3, { c: 3 }) = 18
 * const [y, pb] = rrule(kwcall, { c: 3 }, foo, 2, 3)!;
 * pb(1); // [NoTangent, Tangent { c: 6 }, NoTangent, 9, 6]
 * ```
 */
export const kwcall: Kwcall = sharedSingleton(
  'kwcall',
  () =>
    function kwcall(kw: unknown, f: AnyFunction, ...args: unknown[]): unknown {
      if (typeof f !== 'function') {
        throw new RuleError('invalid-rule', { message: `kwcall takes a function second, got ${describe(f)}.`, fix: 'Call kwcall(kw, f, ...args).' });
      }
      return f(...args, kw);
    } as Kwcall,
);

/** `[y, pullback]`: the primal output and a function from its cotangent to one tangent per argument. */
export type RruleResult<Y = unknown> = readonly [Y, Pullback];
/** `[y, ẏ]`: the primal output and its tangent. */
export type FruleResult<Y = unknown> = readonly [Y, unknown];

interface Target {
  readonly cfg: RuleConfig | undefined;
  readonly record: RuleRecord | undefined;
  readonly form: CallForm;
  readonly kw: unknown;
  readonly args: readonly unknown[];
}

function target(input: readonly unknown[], start: number, cfg: RuleConfig | undefined, contract: string): Target {
  const f = input[start];
  if (f === kwcall) {
    const g = input[start + 2];
    if (typeof g !== 'function') {
      throw new RuleError('invalid-rule', {
        message: `${contract}(kwcall, kw, f, …) takes a function third, got ${describe(g)}.`,
        fix: `Call ${contract}(cfg?, kwcall, kw, f, ...args).`,
      });
    }
    return { cfg, record: recordOf(g), form: 'kwcall', kw: input[start + 1], args: input.slice(start + 3) };
  }
  if (typeof f !== 'function') {
    throw new RuleError('invalid-rule', {
      message: `${contract} takes the function ${contract === 'frule' ? 'after the tangents' : 'first (after an optional config)'}, got ${describe(f)}.`,
      fix: `Call ${contract}(cfg?, ${contract === 'frule' ? 'tangents, ' : ''}f, ...args).`,
    });
  }
  const record = recordOf(f);
  const callArgs = input.slice(start + 1);
  if (record === undefined) return { cfg, record, form: 'plain', kw: undefined, args: callArgs };
  const split = splitCall(record, callArgs);
  return { cfg, record, ...split };
}

function optedOut(t: Target): boolean {
  return t.record!.optOuts.length > 0 && optedOutOf(t.record!, joinCall({ form: t.form === 'kwcall' ? 'trailing' : t.form, args: t.args, kw: t.kw }));
}

/**
 * The reverse rule of `f` at `args`: `[y, pullback]`, where `pullback(ȳ)` returns one tangent
 * per argument, the function's own first — or `undefined` when `f` has no reverse rule (or
 * the call is opted out), so the engine differentiates it itself.
 *
 * - `rrule(cfg, f, ...args)`: `pullback(ȳ) → [f̄, ...x̄]` (options passed last get the last slot);
 * - `rrule(cfg, kwcall, kw, f, ...args)`: `pullback(ȳ) → [NoTangent, k̄w, f̄, ...x̄]`.
 *
 * `cfg` may be omitted: then it is the config of the values' engine ({@link numberConfig} for
 * plain numbers). The cotangent may be a thunk or a zero.
 *
 * @example
 * ```ts
 * const [y, pullback] = rrule(kwcall, { c: 3 }, foo, 2, 3)!; // y = 18
 * pullback(1); // [NoTangent, Tangent { c: 6 }, NoTangent, 9, 6]
 * ```
 */
export function rrule(cfg: RuleConfig, f: NotKwcall, ...args: unknown[]): RruleResult | undefined;
export function rrule(f: NotKwcall, ...args: unknown[]): RruleResult | undefined;
export function rrule<G extends AnyFunction>(cfg: RuleConfig, f: Kwcall, kw: KwcallOptions<G>, g: G, ...args: KwcallArgs<G>): RruleResult | undefined;
export function rrule<G extends AnyFunction>(f: Kwcall, kw: KwcallOptions<G>, g: G, ...args: KwcallArgs<G>): RruleResult | undefined;
export function rrule(...input: unknown[]): RruleResult | undefined {
  const hasConfig = isRuleConfig(input[0]);
  const t = target(input, hasConfig ? 1 : 0, hasConfig ? (input[0] as RuleConfig) : undefined, 'rrule');
  if (t.record?.reverse === undefined || optedOut(t)) return undefined;
  return t.record.reverse(t.cfg, t.form, t.kw, t.args);
}

/**
 * The forward rule of `f` at `args`: `[y, ẏ]` for the tangents `[ḟ, ...ẋ]` (one per
 * argument, the function's own first) — or `undefined` when `f` has no forward rule (or the
 * call is opted out).
 *
 * - `frule(cfg, [ḟ, ...ẋ], f, ...args)` (options passed last take the last tangent);
 * - `frule(cfg, [NoTangent, k̇w, ḟ, ...ẋ], kwcall, kw, f, ...args)`.
 *
 * `cfg` may be omitted, as for {@link rrule}.
 *
 * @example
 * ```ts
 * frule([NoTangent, new Tangent({ c: 1 }), NoTangent, 0, 0], kwcall, { c: 3 }, foo, 2, 3); // [18, 6]
 * ```
 */
export function frule(cfg: RuleConfig, tangents: readonly unknown[], f: NotKwcall, ...args: unknown[]): FruleResult | undefined;
export function frule(tangents: readonly unknown[], f: NotKwcall, ...args: unknown[]): FruleResult | undefined;
export function frule<G extends AnyFunction>(cfg: RuleConfig, tangents: readonly unknown[], f: Kwcall, kw: KwcallOptions<G>, g: G, ...args: KwcallArgs<G>): FruleResult | undefined;
export function frule<G extends AnyFunction>(tangents: readonly unknown[], f: Kwcall, kw: KwcallOptions<G>, g: G, ...args: KwcallArgs<G>): FruleResult | undefined;
export function frule(...input: unknown[]): FruleResult | undefined {
  const hasConfig = isRuleConfig(input[0]);
  const start = hasConfig ? 1 : 0;
  const tangents = input[start];
  if (!Array.isArray(tangents)) {
    throw new RuleError('wrong-slot-count', {
      slot: 'tangents',
      message: `frule takes the tangents as an array before the function, got ${describe(tangents)}.`,
      fix: 'Call frule(cfg?, [ḟ, ...ẋ], f, ...args).',
    });
  }
  const t = target(input, start + 1, hasConfig ? (input[0] as RuleConfig) : undefined, 'frule');
  if (t.record?.forward === undefined || optedOut(t)) return undefined;
  return t.record.forward(t.cfg, tangents, t.form, t.kw, t.args);
}

/**
 * True when `f` has a rule (reverse or forward) registered, under either identity.
 *
 * @example
 * ```ts
 * hasRule(foo); // true
 * ```
 */
export function hasRule(f: unknown): boolean {
  return recordOf(f) !== undefined;
}

/** How often a rule's parts have run; see {@link ruleRuns}. */
export interface RuleRuns {
  /** Runs of the reverse rule (`rrule`), each returning a pullback. */
  readonly rrule: number;
  /** Runs of those pullbacks that ran the rule's own code (a zero cotangent does not). */
  readonly pullback: number;
  /** Runs of the forward rule (`frule`). */
  readonly frule: number;
}

/**
 * How often the rule of `f` has run in this process, counted whoever called it (an engine's
 * adapter, `rrule`/`frule`, a test tool): a snapshot, so subtract two to count a stretch of
 * work. It is how a test or a demo proves an engine used the rule and did not differentiate
 * the plain function. `undefined` when `f` has no counted rule (no rule, or one made by
 * `nonDifferentiable`).
 *
 * @example
 * ```ts
 * const before = ruleRuns(foo)!;
 * rrule(foo, 2, 3)![1](1);
 * ruleRuns(foo)!.pullback - before.pullback; // 1
 * ```
 */
export function ruleRuns(f: unknown): RuleRuns | undefined {
  const runs = recordOf(f)?.runs;
  return runs === undefined ? undefined : Object.freeze({ rrule: runs.rrule, pullback: runs.pullback, frule: runs.frule });
}
