import type { RuleConfig } from './config';
import type { OptionsPlan } from './options';

/** Any function: rule-aware functions keep the call signature of the function they wrap. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => any;

/**
 * How a call passed its options, which fixes where their tangent stands in the raw tuple:
 * - `plain`: no options (`f(a, b)`): `[f̄, ā, b̄]`;
 * - `trailing`: options as the last argument (`f(a, b, kw)`): `[f̄, ā, b̄, k̄w]`;
 * - `kwcall`: through `kwcall(kw, f, a, b)`: `[NoTangent, k̄w, f̄, ā, b̄]`.
 */
export type CallForm = 'plain' | 'trailing' | 'kwcall';

/** A raw pullback: one tangent slot per argument of the call, in the call's order. */
export type Pullback = (cotangent: unknown) => unknown[];

/** Compiled reverse rule: options validated, tangents checked, slots arranged for `form`. */
export type ReverseRule = (
  cfg: RuleConfig | undefined,
  form: CallForm,
  kw: unknown,
  args: readonly unknown[],
) => [unknown, Pullback];

/** Compiled forward rule: `tangents` is the raw tuple for `form`. */
export type ForwardRule = (
  cfg: RuleConfig | undefined,
  tangents: readonly unknown[],
  form: CallForm,
  kw: unknown,
  args: readonly unknown[],
) => [unknown, unknown];

/** Decides, from a call's arguments (options last), that the engine's own AD should be used. */
export type OptOutPredicate = (...callArgs: unknown[]) => boolean;

/**
 * What the registry holds for a rule. Part of the registry layout shared by copies of core:
 * every field is read through this interface only.
 */
export interface RuleRecord {
  readonly name: string;
  /** The rule-aware function `defineRule` returned. */
  readonly fn: AnyFunction;
  /** The plain function. */
  readonly impl: AnyFunction;
  /** The compiled kwargs schema; `undefined` for a rule that takes no options. */
  readonly options: OptionsPlan | undefined;
  /** Positional arguments the rule declares static: their tangent is `NoTangent`. Absent in records of older copies of core. */
  readonly staticArgs?: readonly number[];
  /** Accepts any options and gives `NoTangent` everywhere (`nonDifferentiable`). */
  readonly nonDifferentiable: boolean;
  readonly reverse: ReverseRule | undefined;
  readonly forward: ForwardRule | undefined;
  /** Predicates added by `optOut`; replaced, never mutated. */
  optOuts: readonly OptOutPredicate[];
  /** How often the rule ran; absent in records made by a copy of core without counters. */
  readonly calls?: RuleCallCounts;
}

/** Running counts of a rule's parts, updated in place. */
export interface RuleCallCounts {
  rrule: number;
  pullback: number;
  frule: number;
}
