import { RuleError } from './errors';
import { hasOwn } from './records';
import { sharedSingleton } from './registry';
import type { EngineArray } from './types';

const ZERO_KIND = Symbol.for('chainrules.zero');
const TANGENT = Symbol.for('chainrules.Tangent');
const THUNK = Symbol.for('chainrules.Thunk');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The tangent of a value that has no derivative: a string, a flag, an integer count, the
 * function object itself. A frozen singleton shared by every copy of core, so `=== NoTangent`
 * is a valid test. It is an additive identity and never turns into a number.
 *
 * @example
 * ```ts
 * const [, pullback] = rrule(kwcall, { c: 3 }, foo, 2, 3)!;
 * pullback(1)[0] === NoTangent; // the kwcall slot has no derivative
 * ```
 */
export interface NoTangent {
  readonly kind: 'NoTangent';
}

/**
 * The tangent of a value whose derivative exists and is zero: the additive identity of every
 * tangent kind. A frozen singleton shared by every copy of core.
 *
 * @example
 * ```ts
 * add(ZeroTangent, 3); // 3
 * ```
 */
export interface ZeroTangent {
  readonly kind: 'ZeroTangent';
}

/** `NoTangent | ZeroTangent`: the two zeros, recognised by {@link isZero}. */
export type AbstractZero = NoTangent | ZeroTangent;

/**
 * The zeros' prototype: not `Object.prototype`, so a zero is never taken for a plain record
 * (an options object passed last, a record argument).
 */
const ZERO_PROTOTYPE: object = Object.freeze(Object.create(null) as object);

function makeZero<K extends AbstractZero['kind']>(kind: K): { readonly kind: K } {
  const zero = Object.assign(Object.create(ZERO_PROTOTYPE) as object, {
    kind,
    [ZERO_KIND]: kind,
    toString: () => kind,
    toJSON: () => kind,
    [INSPECT]: () => kind,
  });
  return Object.freeze(zero) as { readonly kind: K };
}

/** The singleton {@link NoTangent} value. */
export const NoTangent: NoTangent = sharedSingleton('NoTangent', () => makeZero('NoTangent'));
/** The singleton {@link ZeroTangent} value. */
export const ZeroTangent: ZeroTangent = sharedSingleton('ZeroTangent', () => makeZero('ZeroTangent'));

/**
 * True for `NoTangent` and `ZeroTangent`, from any copy of core.
 *
 * @example
 * ```ts
 * isZero(ZeroTangent); // true
 * isZero(0);           // false: a materialised zero is a number
 * ```
 */
export function isZero(value: unknown): value is AbstractZero {
  if (typeof value !== 'object' || value === null) return false;
  if (value === NoTangent || value === ZeroTangent) return true;
  // A zero of a core whose registry layout differs (another major version) still counts.
  return !(value instanceof Tangent) && ZERO_KIND in value;
}

/**
 * True for `NoTangent` only.
 *
 * @example
 * ```ts
 * isNoTangent(NoTangent); // true
 * ```
 */
export function isNoTangent(value: unknown): value is NoTangent {
  return value === NoTangent || (isZero(value) && (value as unknown as Record<symbol, unknown>)[ZERO_KIND] === 'NoTangent');
}

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
  if (value instanceof Tangent || value === NoTangent || value === ZeroTangent) return false;
  return (value as Record<symbol, unknown>)[THUNK] === true;
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

/**
 * Value types a derivative flows through: numbers and the arrays of installed engines.
 * Adapters add their array type to {@link ArrayTypes} so that this union includes it.
 */
export type Differentiable = number | EngineArray;

/** Primal leaf types with no derivative: their only tangent is `NoTangent`. */
export type NonDifferentiableLeaf = string | boolean | bigint | symbol | null | undefined | ((...args: never[]) => unknown);

/**
 * The tangent types a primal of type `T` admits: numbers and engine arrays take a value of
 * their kind or a zero; records and tuples a {@link Tangent} or a zero; strings, flags and
 * functions only `NoTangent`. Idempotent on tangents (`TangentOf<Tangent<Q>>` is that of
 * `Q`), so a `Tangent` whose type was inferred from its own fields still fits; `any` gives
 * `any`, so that `new Tangent({ c: xp.multiply(…) })` built from untyped values fits too.
 */
export type TangentOf<T> = 0 extends 1 & T
  ? any // an untyped primal (values from an `ArrayApi<any>`) admits any tangent, both ways
  : unknown extends T
    ? unknown
    : [T] extends [AbstractZero]
      ? AbstractZero // idempotent on zeros: a Tangent inferred as { c: ZeroTangent } still fits
      : [T] extends [Thunk<infer U>]
        ? TangentOf<U> // and on thunks: { c: thunk(() => 6) } fits where c is a number
        : [T] extends [Differentiable]
          ? T | number | AbstractZero | Thunk<T | number | AbstractZero>
          : [T] extends [NonDifferentiableLeaf]
            ? NoTangent
            : T extends Tangent<infer Q>
              ? Tangent<Q> | AbstractZero | Thunk<Tangent<Q> | AbstractZero>
              : T extends object
                ? Tangent<T> | AbstractZero | Thunk<Tangent<T> | AbstractZero>
                : NoTangent;

/** The backing of a `Tangent<P>`: one optional tangent per field of `P`. */
export type TangentFields<P> = { readonly [K in keyof P]?: TangentOf<Exclude<P[K], undefined>> };

/**
 * The structural tangent of a record or tuple primal `P`: an options object, a parameter
 * record. Backed by a partial record in which an absent field is `ZeroTangent`.
 *
 * The backing is copied (own fields only), so later changes to the object passed in do not
 * reach the tangent, and keys such as `__proto__` stay plain data that reach no prototype.
 * Treat a tangent as immutable: the algebra returns new tangents.
 *
 * @example
 * ```ts
 * const t = new Tangent<{ c: number; mode: string }>({ c: 6 });
 * t.get('c');    // 6
 * t.get('mode'); // ZeroTangent (absent)
 * // new Tangent<{ c: number; mode: string }>({ mode: 1 }); // type error: mode takes NoTangent only
 * ```
 */
export class Tangent<P extends object = Record<string, unknown>> {
  /** The fields present in this tangent; absent ones are zero. */
  readonly backing: TangentFields<P>;

  constructor(backing: TangentFields<P>) {
    if (typeof backing !== 'object' || backing === null) {
      throw new RuleError('tangent-mismatch', {
        message: `a Tangent is backed by a record or an array, got ${describe(backing)}.`,
        fix: 'Pass an object whose fields are the tangents of the primal fields.',
      });
    }
    // A spread copies own data properties only: a key such as `__proto__` becomes an own
    // field and never a prototype. (No Object.freeze: it costs ~1 µs a call on Node 20.)
    this.backing = (Array.isArray(backing) ? [...(backing as unknown[])] : { ...backing }) as TangentFields<P>;
  }

  /** The tangent of field `key`; `ZeroTangent` where the field is absent. */
  get<K extends keyof P & (string | number)>(key: K): NonNullable<TangentFields<P>[K]> | ZeroTangent {
    const fields = this.backing as Record<PropertyKey, unknown>;
    return (hasOwn(fields, key) && fields[key] !== undefined
      ? fields[key]
      : ZeroTangent) as NonNullable<TangentFields<P>[K]> | ZeroTangent;
  }

  /** True when field `key` is present (even as an explicit zero). */
  has(key: PropertyKey): boolean {
    return hasOwn(this.backing, key);
  }

  /** The keys of the present fields. */
  keys(): string[] {
    return Object.keys(this.backing);
  }

  /** Brand shared by every copy of core. */
  get [TANGENT](): true {
    return true;
  }

  /** `Tangent { c: 6 }` in Node's console. */
  [INSPECT](_depth: number, options: object, inspect: (value: unknown, options: object) => string): string {
    const body = Array.isArray(this.backing) ? [...(this.backing as unknown[])] : { ...this.backing };
    return `Tangent ${inspect(body, options)}`;
  }

  /** `{ "Tangent": { …fields } }` in `JSON.stringify`. */
  toJSON(): unknown {
    return { Tangent: this.backing };
  }
}

/**
 * True for a {@link Tangent} from any copy of core.
 *
 * @example
 * ```ts
 * isTangent(new Tangent({ c: 1 })); // true
 * ```
 */
export function isTangent(value: unknown): value is Tangent<Record<PropertyKey, unknown>> {
  if (value instanceof Tangent) return true;
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TANGENT] === true;
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (isZero(value)) return value.kind;
  if (isTangent(value)) return 'a Tangent';
  if (isThunk(value)) return 'a Thunk';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case 'number':
      return `the number ${value}`;
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'object': {
      const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      const name = proto?.constructor?.name;
      return name !== undefined && name !== 'Object' ? `a ${name}` : 'an object';
    }
    default:
      return `a ${typeof value}`;
  }
}
