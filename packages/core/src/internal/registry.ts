/**
 * The process-wide state of chainrules-ts. It lives on `globalThis` under a `Symbol.for` key,
 * so two copies of core in one process (an ESM and a CJS build, two versions in
 * `node_modules`) share one set of rules, adapters and tangent singletons.
 *
 * The key carries a layout version: a core whose layout differs takes a new key instead of
 * misreading this one. The store is untyped here, at the bottom of core; the modules that own
 * each kind of entry read it through typed views (`rules/record.ts`, `engines/adapters.ts`).
 */
export interface Registry {
  /** Rule records by function identity: the rule-aware function and the plain one both map here. */
  readonly rules: WeakMap<object, unknown>;
  /** Installed adapters. Replaced, never mutated, so a dispatch in progress sees one list. */
  adapters: readonly unknown[];
  /** Schemas made by `kw.diff()`, from any copy of core. */
  readonly differentiableSchemas: WeakSet<object>;
  /** Singletons (`NoTangent`, `ZeroTangent`, `kwcall`) shared by every copy. */
  readonly singletons: Map<string, unknown>;
  /**
   * The rule trace's and the watch mode's state while either is on, `undefined` otherwise (read
   * through `trace/observer.ts`). Optional: a copy of core that predates it leaves it out.
   */
  observer?: unknown;
}

/** v2: rule records carry `plan`, `staticArgs` and `runs` (v1 had `options` and `calls`). */
const REGISTRY_KEY = Symbol.for('chainrules.registry.v2');

function createRegistry(): Registry {
  return {
    rules: new WeakMap(),
    adapters: Object.freeze([]),
    differentiableSchemas: new WeakSet(),
    singletons: new Map(),
    // Present from the start, so that turning the trace on and off never changes the registry's shape.
    observer: undefined,
  };
}

const host = globalThis as typeof globalThis & { [REGISTRY_KEY]?: Registry };

/** This process's registry, created by whichever copy of core loads first. */
export const registry: Registry = (host[REGISTRY_KEY] ??= createRegistry());

/** The shared singleton under `key`, created by `make` when this is the first copy. */
export function sharedSingleton<T>(key: string, make: () => T): T {
  const existing = registry.singletons.get(key);
  if (existing !== undefined) return existing as T;
  const made = make();
  registry.singletons.set(key, made);
  return made;
}
