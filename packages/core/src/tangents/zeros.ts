import { sharedSingleton } from '../internal/registry';
import { INSPECT, TANGENT, ZERO_KIND, brandOf } from './brands';

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
  return ZERO_KIND in value && brandOf(value, TANGENT) !== true;
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
 * True for `ZeroTangent` only, from any copy of core (a zero's kind is read, not its identity).
 *
 * @example
 * ```ts
 * isZeroTangent(ZeroTangent); // true
 * isZeroTangent(NoTangent);   // false
 * ```
 */
export function isZeroTangent(value: unknown): value is ZeroTangent {
  return value === ZeroTangent || (isZero(value) && (value as unknown as Record<symbol, unknown>)[ZERO_KIND] === 'ZeroTangent');
}
