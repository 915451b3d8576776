import { RuleError } from '../errors';
import { adapterOf } from './adapters';

/*
 * The one search for engine values inside a call's values. An engine value hidden where a scan
 * does not look gets no derivative without a word, so the search goes everywhere a value can be
 * held and can be read: arrays, plain records, class instances (own properties, symbol keys and
 * non-enumerable ones included), Maps (keys and values) and Sets. What cannot be read to the end
 * — a WeakMap, a WeakSet, a WeakRef, a Promise, nesting deeper or larger than the limits below —
 * is reported, so that a caller refuses it instead of passing it. Values of installed engines
 * are leaves (never searched inside); so are functions, whose closures cannot be read, and
 * built-ins that cannot hold objects (typed arrays, buffers, dates, regular expressions).
 */

/** Nesting deeper than this is not searched. */
export const SEARCH_DEPTH = 64;
/** More containers than this in one search are not searched. */
export const SEARCH_SIZE = 100_000;

/** One step from a container to what it holds, rendered only when a path is shown. */
type Step = string | number | { readonly symbol: string } | { readonly map: 'key' | 'value'; readonly index: number } | { readonly set: number };

/** What a visitor returns: `true` stops the search. */
type Visit = (value: unknown, path: readonly Step[]) => boolean | void;

/** Where a search could not go on. */
interface Blocked {
  readonly path: readonly Step[];
  readonly why: string;
}

const LEAF_TAGS = new Set(['[object Date]', '[object RegExp]', '[object ArrayBuffer]', '[object SharedArrayBuffer]', '[object Number]', '[object String]', '[object Boolean]', '[object BigInt]', '[object Symbol]', '[object Error]']);
const SEALED_TAGS: ReadonlyMap<string, string> = new Map([
  ['[object WeakMap]', 'a WeakMap cannot be iterated'],
  ['[object WeakSet]', 'a WeakSet cannot be iterated'],
  ['[object WeakRef]', 'a WeakRef is not searched'],
  ['[object Promise]', 'a Promise holds its value out of reach'],
]);

const tagOf = (value: object): string => Object.prototype.toString.call(value);

/** Renders a path below a slot: `.w`, `[0]`, `<Map value 0>`. */
export function renderPath(path: readonly Step[]): string {
  return path
    .map((step) => {
      if (typeof step === 'number') return `[${step}]`;
      if (typeof step === 'string') return /^[A-Za-z_$][\w$]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
      if ('symbol' in step) return `[${step.symbol}]`;
      if ('map' in step) return `<Map ${step.map} ${step.index}>`;
      return `<Set element ${step.set}>`;
    })
    .join('');
}

/**
 * Walks `value` and everything it holds, calling `visit` on every object it meets (engine values
 * and sealed containers are not searched inside; functions are skipped). Returns where
 * it was first blocked, if anywhere (the search goes on past a block, so a value found elsewhere
 * is still found); `undefined` when everything was searched (or `visit` stopped it).
 */
function walk(root: unknown, visit: Visit): Blocked | undefined {
  if (typeof root !== 'object' || root === null) return undefined;
  const seen = new Set<object>();
  const path: Step[] = [];
  let blocked: Blocked | undefined;
  let stopped = false;
  const go = (value: unknown, depth: number): void => {
    if (stopped) return;
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    if (visit(value, path) === true) {
      stopped = true;
      return;
    }
    if (adapterOf(value) !== undefined) return; // an engine value: a leaf
    if (ArrayBuffer.isView(value)) return;
    const tag = tagOf(value);
    if (LEAF_TAGS.has(tag)) return;
    const sealed = SEALED_TAGS.get(tag);
    if (sealed !== undefined) {
      blocked ??= { path: [...path], why: sealed }; // noted; the search goes on elsewhere
      return;
    }
    if (depth >= SEARCH_DEPTH || seen.size >= SEARCH_SIZE) {
      blocked ??= { path: [...path], why: depth >= SEARCH_DEPTH ? `it is nested deeper than ${SEARCH_DEPTH} levels` : `it holds more than ${SEARCH_SIZE} objects` };
      return;
    }
    seen.add(value);
    const into = (step: Step, inner: unknown): void => {
      if (typeof inner !== 'object' || inner === null) return;
      path.push(step);
      go(inner, depth + 1);
      path.pop();
    };
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) into(i, value[i]);
      return;
    }
    if (value instanceof Map) {
      let i = 0;
      for (const [key, inner] of value) {
        into({ map: 'key', index: i }, key);
        into({ map: 'value', index: i }, inner);
        i++;
      }
      return;
    }
    if (value instanceof Set) {
      let i = 0;
      for (const inner of value) into({ set: i++ }, inner);
      return;
    }
    for (const key of Reflect.ownKeys(value)) {
      into(typeof key === 'symbol' ? { symbol: String(key) } : key, (value as Record<PropertyKey, unknown>)[key]);
    }
  };
  go(root, 0);
  return blocked;
}

/** Where the value was found: the path below the searched value (`''` for the value itself). */
export interface FoundValue {
  readonly value: unknown;
  /** `''`, `.w`, `[0].k`, `<Map value 0>` … */
  readonly where: string;
}

/** Where a search's failure is reported. */
export interface SearchContext {
  /** The rule's name. */
  readonly rule?: string | undefined;
  /** The slot of the searched value: `args[1]`, `kwargs.mode`. */
  readonly slot?: string | undefined;
}

/**
 * The first value inside `value` (or `value` itself) that passes `test`, searched in every
 * container that can hold it — arrays, plain records, class instances (own properties of every
 * kind), Maps and Sets — or `undefined` when there is none. A container that cannot be searched
 * to the end (a `WeakMap`, `WeakSet`, `WeakRef` or `Promise`, nesting deeper than 64 levels or
 * more than 100,000 objects) is a `RuleError` (`unsearchable`) naming `where.slot`: an engine
 * value could hide there and get no derivative. Engine values, functions (their closures cannot
 * be read), typed arrays and other built-ins that cannot hold objects are not searched inside.
 *
 * What an adapter uses to vet the values it does not hand to its engine (static options,
 * containers among the positional arguments) before it runs a rule.
 *
 * @example
 * ```ts
 * const found = findValue({ layers: new Map([['w', w]]) }, isFloatTensor, { rule: 'fit', slot: 'kwargs.model' });
 * found?.where; // '.layers<Map value 0>'
 * ```
 */
export function findValue(value: unknown, test: (value: unknown) => boolean, where: SearchContext = {}): FoundValue | undefined {
  let found: FoundValue | undefined;
  const blocked = walk(value, (candidate, path) => {
    if (!test(candidate)) return false;
    found = { value: candidate, where: renderPath(path) };
    return true;
  });
  if (found !== undefined) return found;
  if (blocked !== undefined) {
    throw new RuleError('unsearchable', {
      rule: where.rule,
      slot: where.slot,
      message: `the value${blocked.path.length > 0 ? ` at ${renderPath(blocked.path)}` : ''} cannot be searched for engine values (${blocked.why}), so an engine value held there would silently get no derivative.`,
      fix: 'Pass differentiable values as positional arguments or kw.diff() options, and keep static values to plain data (numbers, strings, flags, records and lists of them).',
    });
  }
  return undefined;
}

/**
 * Calls `visit` on every engine value (any installed adapter's) inside `value`, searched like
 * {@link findValue}; where the search cannot go on it stops silently. Used to find the engine
 * that owns a call: what stays unseen there runs the plain function, which the engine then
 * differentiates itself.
 */
export function forEachEngineValue(value: unknown, visit: (value: unknown) => void): void {
  walk(value, (candidate) => {
    if (adapterOf(candidate) !== undefined) visit(candidate);
  });
}
