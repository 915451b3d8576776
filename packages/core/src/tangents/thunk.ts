import { INSPECT, TANGENT, THUNK, ZERO_KIND, brandOf } from './brands';

/**
 * A lazy tangent: computed on first {@link unthunk}, then remembered. Rules return thunks
 * for cotangents the caller may never need; adapters unthunk at the engine boundary.
 */
export interface Thunk<T> {
  /** Evaluates (once) and returns the tangent. */
  unthunk(): T;
}

/**
 * Wraps a computation as a lazy tangent.
 *
 * @example
 * ```ts
 * const t = thunk(() => expensiveCotangent());
 * unthunk(t); // runs it once
 * ```
 */
export function thunk<T>(compute: () => T): Thunk<T> {
  return new LazyTangent(compute);
}

class LazyTangent<T> implements Thunk<T> {
  #compute: (() => T) | undefined;
  #value: T | undefined;

  constructor(compute: () => T) {
    this.#compute = compute;
  }

  unthunk(): T {
    const compute = this.#compute;
    if (compute !== undefined) {
      this.#value = compute();
      this.#compute = undefined;
    }
    return this.#value as T;
  }

  /** Brand shared by every copy of core. */
  get [THUNK](): true {
    return true;
  }

  [INSPECT](): string {
    return this.#compute === undefined ? `Thunk(${String(this.#value)})` : 'Thunk(…)';
  }
}

/**
 * True for a {@link Thunk} from any copy of core.
 *
 * @example
 * ```ts
 * isThunk(thunk(() => 1)); // true
 * ```
 */
export function isThunk(value: unknown): value is Thunk<unknown> {
  if (typeof value !== 'object' || value === null) return false;
  if (value instanceof LazyTangent) return true;
  return brandOf(value, THUNK) === true && brandOf(value, TANGENT) !== true && !(ZERO_KIND in value);
}

/**
 * The value of a tangent with any thunks evaluated (a thunk of a thunk too); every other
 * value is returned as it is. Shallow: the fields of a {@link Tangent} stay as they are.
 *
 * @example
 * ```ts
 * unthunk(thunk(() => 3)); // 3
 * unthunk(3);              // 3
 * ```
 */
export function unthunk<T>(value: T | Thunk<T>): T {
  let current: unknown = value;
  while (isThunk(current)) current = current.unthunk();
  return current as T;
}

