import type { RuleCall } from '../kit/ruleCall';
import type { ArrayApi } from './arrayApi';
import type { RuleConfig } from './config';

/**
 * What an engine adapter tells core: which values it owns, its array namespace, its rule
 * config, and how it runs a rule-aware call under its engine. `@chainrules/tfjs` and
 * `@chainrules/jax` implement it with core's public API only, so an outside author can write
 * the next one the same way.
 *
 * @example
 * ```ts
 * const myAdapter: Adapter<MyArray> = {
 *   name: 'mine',
 *   xp: myArrayApi,
 *   config: ruleConfig({ xp: myArrayApi, engine: 'mine', canReverse: true, canForward: false }),
 *   owns: (value): value is MyArray => value instanceof MyArray,
 *   isDifferentiating: () => myEngineIsRecording(),
 *   invoke: (call) => (myEngineIsRecording() ? recordWithRrule(call) : call.primal()),
 * };
 * const uninstall = installAdapter(myAdapter);
 * ```
 */
export interface Adapter<A = unknown> {
  /** The engine's name; one adapter per name may be installed. */
  readonly name: string;
  /** The engine's array namespace. */
  readonly xp: ArrayApi<A, unknown>;
  /** The config handed to rules that run under this engine. */
  readonly config: RuleConfig<A>;
  /** True for the engine's array values (and its tracers). Called on every dispatch: keep it cheap. */
  owns(value: unknown): value is A;
  /**
   * Optional: `false` when the engine is certainly not differentiating now (no tape is
   * recording). While every installed adapter says so, a rule-aware call runs the plain
   * function without looking at its values. Leave it out when the engine cannot tell (its
   * differentiation shows only in its values, as with tracers).
   */
  isDifferentiating?(): boolean;
  /**
   * Optional: how many of the engine's differentiations enclose the code running now (0
   * outside any, 2 inside a gradient of a gradient), or `undefined` when it cannot tell. Read
   * only while a rule trace or the watch mode is on (`traceRules`, `watchRules`): it may cost
   * more than `isDifferentiating`.
   */
  differentiationDepth?(): number | undefined;
  /**
   * Runs a call of a rule-aware function whose arguments include values this adapter owns.
   * Outside any differentiation it should return `call.primal()`.
   */
  invoke(call: RuleCall): unknown;
}
