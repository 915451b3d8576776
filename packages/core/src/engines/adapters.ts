import { RuleError } from '../errors';
import { registry } from '../internal/registry';
import { describe } from '../tangents/describe';
import type { Adapter } from './adapter';
import type { ArrayApi } from './arrayApi';
import { numberApi } from './numberApi';

/** The installed adapters (the registry's untyped list, read as adapters). */
const adapters = (): readonly Adapter[] => registry.adapters as readonly Adapter[];

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
  const taken = adapters().find((installed) => installed.name === erased.name);
  if (taken !== undefined && taken !== erased) {
    throw new RuleError('adapter-conflict', {
      message: `an adapter named '${erased.name}' is already installed.`,
      fix: 'Call the uninstall function that installAdapter returned for the first one, or install one adapter per engine.',
    });
  }
  if (taken === undefined) registry.adapters = Object.freeze([...adapters(), erased]);
  return () => {
    registry.adapters = Object.freeze(adapters().filter((installed) => installed !== erased));
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
  return adapters();
}

/** False only while every installed adapter says its engine is not differentiating. */
export function anyDifferentiating(): boolean {
  const installed = adapters();
  for (let i = 0; i < installed.length; i++) {
    const adapter = installed[i]!;
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
  const installed = adapters();
  for (let i = 0; i < installed.length; i++) {
    const adapter = installed[i]!;
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
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- which engine owns the values is known at run time only
export function namespaceOf(...values: unknown[]): ArrayApi<any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the implementation of the overloads above
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

/**
 * Runs `f` with `adapter` installed — installing it for the duration when it is not installed
 * already (and uninstalling it after, also when `f` throws). What an adapter's explicit form
 * (`wrap(f)`) and a test tool use to make the engine's values known to core for one call.
 *
 * @example
 * ```ts
 * const g = withAdapter(tfjsAdapter, () => tf.grad((x) => foo(x, 2))(tf.scalar(3)));
 * ```
 */
export function withAdapter<T, A = unknown>(adapter: Adapter<A>, f: () => T): T {
  if (adapters().includes(adapter as unknown as Adapter)) return f();
  const uninstall = installAdapter(adapter);
  try {
    return f();
  } finally {
    uninstall();
  }
}
