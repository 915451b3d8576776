import type { ArrayApi } from './arrayApi';
import type { RuleConfig } from './config';
import { RuleError } from './errors';
import { numberApi } from './numberApi';
import { registry } from './registry';
import type { RuleCall } from './ruleCall';
import { describe } from './tangents';

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
   * Runs a call of a rule-aware function whose arguments include values this adapter owns.
   * Outside any differentiation it should return `call.primal()`.
   */
  invoke(call: RuleCall): unknown;
}

/**
 * Installs an adapter, so that rule-aware functions called with its values run their rules
 * under its engine and {@link namespaceOf} finds its namespace. Returns a function that
 * uninstalls it. Installing the same adapter object twice is harmless; a different adapter
 * under a name already taken is a `RuleError` (`adapter-conflict`).
 *
 * @example
 * ```ts
 * const uninstall = installAdapter(tfjsAdapter);
 * // … later, in a test's teardown:
 * uninstall();
 * ```
 */
export function installAdapter<A>(adapter: Adapter<A>): () => void {
  const erased = adapter as unknown as Adapter;
  const taken = registry.adapters.find((installed) => installed.name === erased.name);
  if (taken !== undefined && taken !== erased) {
    throw new RuleError('adapter-conflict', {
      message: `an adapter named '${erased.name}' is already installed.`,
      fix: 'Call the uninstall function that installAdapter returned for the first one, or install one adapter per engine.',
    });
  }
  if (taken === undefined) registry.adapters = Object.freeze([...registry.adapters, erased]);
  return () => {
    registry.adapters = Object.freeze(registry.adapters.filter((installed) => installed !== erased));
  };
}

/**
 * The installed adapters, in installation order.
 *
 * @example
 * ```ts
 * installedAdapters().map((a) => a.name); // ['tfjs']
 * ```
 */
export function installedAdapters(): readonly Adapter[] {
  return registry.adapters;
}

/** False only while every installed adapter says its engine is not differentiating. */
export function anyDifferentiating(): boolean {
  const adapters = registry.adapters;
  for (let i = 0; i < adapters.length; i++) {
    const adapter = adapters[i]!;
    if (adapter.isDifferentiating === undefined || adapter.isDifferentiating()) return true;
  }
  return false;
}

/**
 * The installed adapter that owns `value`, or `undefined` (plain numbers, strings, records
 * and values of engines with no adapter installed).
 *
 * @example
 * ```ts
 * adapterOf(tf.scalar(1))?.name; // 'tfjs'
 * adapterOf(1);                  // undefined
 * ```
 */
export function adapterOf(value: unknown): Adapter | undefined {
  if (typeof value !== 'object' && typeof value !== 'function') return undefined;
  if (value === null) return undefined;
  const adapters = registry.adapters;
  for (let i = 0; i < adapters.length; i++) {
    const adapter = adapters[i]!;
    if (adapter.owns(value)) return adapter;
  }
  return undefined;
}

/** Adds `value`'s adapter to `found`; throws `mixed-engines` when it differs. */
export function joinOwner(found: Adapter | undefined, value: unknown, rule?: string): Adapter | undefined {
  const owner = adapterOf(value);
  if (owner === undefined || owner === found || found === undefined) return owner ?? found;
  throw new RuleError('mixed-engines', {
    rule,
    message: `values of two engines ('${found.name}' and '${owner.name}') met in one call.`,
    fix: 'Convert the values to one engine before the call.',
  });
}

/**
 * The array namespace that owns `values` (the Array API's `array_namespace(x)`): plain numbers
 * alone get {@link numberApi}; numbers mixed with one engine's arrays get that engine's
 * namespace. Booleans, `undefined` and `null` are ignored. Values of two engines, or an
 * object no installed adapter owns, are a `RuleError`.
 *
 * @example
 * ```ts
 * namespaceOf(2, 3).name;            // 'number'
 * namespaceOf(2, tf.scalar(3)).name; // 'tfjs' (with the TF.js adapter installed)
 * ```
 */
export function namespaceOf(...values: Array<number | boolean | null | undefined>): ArrayApi<number, boolean>;
export function namespaceOf(...values: unknown[]): ArrayApi<any, any>;
export function namespaceOf(...values: unknown[]): ArrayApi<any, any> {
  let owner: Adapter | undefined;
  for (const value of values) {
    if (value === undefined || value === null) continue;
    const kind = typeof value;
    if (kind === 'number' || kind === 'boolean') continue;
    const next = joinOwner(owner, value);
    if (next === undefined) {
      throw new RuleError('no-namespace', {
        message: `no installed adapter owns ${describe(value)}, so it has no array namespace.`,
        fix: 'Install the adapter of its engine with installAdapter(…), or pass plain numbers.',
      });
    }
    owner = next;
  }
  return owner === undefined ? numberApi : owner.xp;
}
