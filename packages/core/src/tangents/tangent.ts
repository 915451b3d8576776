import { RuleError } from '../errors';
import type { AbstractArray, EngineArray } from '../engines/arrayTypes';
import { hasOwn } from '../internal/records';
import { INSPECT, TANGENT, brandOf } from './brands';
import { describe } from './describe';
import type { NotImplemented } from './notImplemented';
import type { Thunk } from './thunk';
import { ZeroTangent } from './zeros';
import type { AbstractZero, NoTangent } from './zeros';

/**
 * Value types a derivative flows through: numbers and the arrays of installed engines.
 * Adapters add their array type to {@link ArrayTypes} so that this union includes it;
 * {@link AbstractArray} stands for "an array of whichever engine", so that a function over
 * `Differentiable` is generic even where no adapter is declared.
 */
export type Differentiable = number | EngineArray | AbstractArray;

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
  ? // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped primal (values from an `ArrayApi<any>`) admits any tangent, both ways
    any
  : unknown extends T
    ? unknown
    : [Extract<T, Thunk<unknown>>, Exclude<T, Thunk<unknown>>] extends [never, unknown] | [unknown, never] // no thunk, or thunks only
      ? [T] extends [AbstractZero]
        ? AbstractZero // idempotent on zeros: a Tangent inferred as { c: ZeroTangent } still fits
        : [T] extends [NotImplemented]
          ? NotImplemented // and on a derivative left unimplemented: { tol: notImplemented(…) } fits
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
                    : NoTangent
      : // A union of values and thunks, as inferred from { c: thunk(…) } where c's values are
        // typed: the thunks' values.
        TangentOf<T extends Thunk<infer U> ? U : T> | Thunk<Extract<TangentOf<T extends Thunk<infer U> ? U : T>, AbstractZero | NotImplemented>>;

/** The backing of a `Tangent<P>`: one optional tangent per field of `P` (or a derivative the rule leaves {@link NotImplemented}). */
export type TangentFields<P> = { readonly [K in keyof P]?: TangentOf<Exclude<P[K], undefined>> | NotImplemented };

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
  return typeof value === 'object' && value !== null && brandOf(value, TANGENT) === true;
}

