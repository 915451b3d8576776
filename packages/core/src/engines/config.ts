import type { ArrayApi } from './arrayApi';
import { numberApi } from './numberApi';

const RULE_CONFIG = Symbol.for('chainrules.RuleConfig');

/**
 * What a rule knows about the engine it runs in: the array namespace `xp`, the engine's name,
 * its capabilities and, where the engine offers them, ways back into its own AD from inside a
 * rule (ChainRulesCore's `RuleConfig`).
 */
export interface RuleConfig<A = unknown> {
  /** The array namespace of the values at hand. */
  readonly xp: ArrayApi<A, unknown>;
  /** The engine's name: `'number'`, `'tfjs'`, `'jax'`, … */
  readonly engine: string;
  /** The engine can run reverse mode (a pullback will be called). */
  readonly canReverse: boolean;
  /** The engine can run forward mode (an frule will be called). */
  readonly canForward: boolean;
  /** Reverse mode through the engine's own AD, for rules that call back into it. */
  readonly rruleViaAd?: ((f: (...args: never[]) => unknown, ...args: unknown[]) => readonly [unknown, (cotangent: unknown) => unknown[]]) | undefined;
  /** Forward mode through the engine's own AD, for rules that call back into it. */
  readonly fruleViaAd?: ((tangents: readonly unknown[], f: (...args: never[]) => unknown, ...args: unknown[]) => readonly [unknown, unknown]) | undefined;
}

/**
 * Makes a {@link RuleConfig}: frozen and branded, so `rrule(cfg, f, …)` can tell it from `f`.
 *
 * @example
 * ```ts
 * const cfg = ruleConfig({ xp: numberApi, engine: 'number', canReverse: true, canForward: true });
 * rrule(cfg, foo, 2, 3);
 * ```
 */
export function ruleConfig<A>(init: RuleConfig<A>): RuleConfig<A> {
  return Object.freeze({ ...init, [RULE_CONFIG]: true });
}

/**
 * True for a config made by {@link ruleConfig} in any copy of core.
 *
 * @example
 * ```ts
 * isRuleConfig(numberConfig); // true
 * ```
 */
export function isRuleConfig(value: unknown): value is RuleConfig {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RULE_CONFIG] === true;
}

/**
 * The config of plain numbers: `xp` is {@link numberApi}; both modes are available, since
 * `rrule` and `frule` called directly are the engine.
 */
export const numberConfig: RuleConfig<number> = ruleConfig({
  xp: numberApi,
  engine: 'number',
  canReverse: true,
  canForward: true,
});
