import type { RuleConfig } from '../engines/config';
import { registry } from '../internal/registry';
import type { ParsedOptions } from '../options/parse';
import type { OptionsPlan } from '../options/plan';
import type { AnyFunction, CallForm, OptOutPredicate, Pullback } from './types';

/**
 * Compiled reverse rule: options checked (or taken as `parsed`, already checked by a `RuleCall`,
 * with the differentiable leaves' values in place), tangents checked, slots arranged for `form`.
 */
export type ReverseRule = (cfg: RuleConfig | undefined, form: CallForm, kw: unknown, args: readonly unknown[], parsed?: ParsedOptions) => [unknown, Pullback];

/** Compiled forward rule: `tangents` is the raw tuple for `form`; `parsed` as for {@link ReverseRule}. */
export type ForwardRule = (cfg: RuleConfig | undefined, tangents: readonly unknown[], form: CallForm, kw: unknown, args: readonly unknown[], parsed?: ParsedOptions) => [unknown, unknown];

/** Running counts of a rule's parts, updated in place. */
export interface RuleRunCounts {
  rrule: number;
  pullback: number;
  frule: number;
}

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
  readonly plan: OptionsPlan | undefined;
  /** Positional arguments the rule declares static: their tangent is `NoTangent`. */
  readonly staticArgs: readonly number[];
  /** Accepts any options and gives `NoTangent` everywhere (`nonDifferentiable`). */
  readonly nonDifferentiable: boolean;
  readonly reverse: ReverseRule | undefined;
  readonly forward: ForwardRule | undefined;
  /** Predicates added by `optOut`; replaced, never mutated. */
  optOuts: readonly OptOutPredicate[];
  /** How often the rule ran; absent for `nonDifferentiable` functions. */
  readonly runs?: RuleRunCounts;
}

/** The rule record of `f` (the rule-aware function or the plain one), or `undefined`. */
export function recordOf(f: unknown): RuleRecord | undefined {
  return typeof f === 'function' ? (registry.rules.get(f) as RuleRecord | undefined) : undefined;
}

/** Registers a rule under both identities; a later definition for the same function wins. */
export function register(record: RuleRecord): void {
  registry.rules.set(record.fn, record);
  registry.rules.set(record.impl, record);
}

/** True when `predicate`s of `record` opt the call (its arguments, options last) out of the rule. */
export function optedOut(record: RuleRecord, callArgs: readonly unknown[]): boolean {
  const predicates = record.optOuts;
  return predicates.length > 0 && predicates.some((predicate) => predicate(...callArgs));
}
