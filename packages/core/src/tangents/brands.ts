/**
 * The brands of core's objects: `Symbol.for` keys, so that every copy of core (an ESM and a CJS
 * build, two versions) recognises the others' zeros, tangents and thunks.
 */
export const ZERO_KIND = Symbol.for('chainrules.zero');
export const TANGENT = Symbol.for('chainrules.Tangent');
export const THUNK = Symbol.for('chainrules.Thunk');
/** Node's custom `util.inspect` hook. */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** Reads a brand of `value` without assuming its shape. */
export const brandOf = (value: object, brand: symbol): unknown => (value as Record<symbol, unknown>)[brand];
