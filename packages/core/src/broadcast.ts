import type { ArrayApi } from './arrayApi';
import { RuleError } from './errors';

/** Where a cotangent belongs, for the error when it cannot be brought to its value's shape. */
export interface SumToShapeContext {
  /** The rule's name. */
  readonly rule?: string;
  /** The slot: `'args[0]'`, `'kwargs.pos'`. */
  readonly slot?: string;
}

/**
 * `g`, the cotangent of a value that was broadcast, summed back to `shape`, the value's own
 * shape: over the leading axes `shape` lacks and over the axes where `shape` has length one.
 * What a rule returns for an option passed as a scalar (or as `[d]`) against an input of a
 * larger shape, so that each cotangent has the shape the caller passed. Uses `xp.shape`,
 * `xp.sum` and `xp.reshape` only, so it runs under every engine (and traces under jax-js).
 * A `g` that does not broadcast from `shape` is a `RuleError` (`wrong-shape`) naming `where`.
 *
 * @example
 * ```ts
 * // In a pullback: x has shape [n, d], pos was passed as [d] (or as a number).
 * const posBar = sumToShape(xp, g, xp.shape(pos), { rule: 'gaussian', slot: 'kwargs.pos' });
 * ```
 */
export function sumToShape<A>(xp: ArrayApi<A, unknown>, g: A, shape: readonly number[], where?: SumToShapeContext): A;
export function sumToShape<A>(xp: ArrayApi<A, unknown>, g: A | number, shape: readonly number[], where?: SumToShapeContext): A | number;
export function sumToShape<A>(xp: ArrayApi<A, unknown>, g: A | number, shape: readonly number[], where: SumToShapeContext = {}): A | number {
  const from = xp.shape(g);
  if (from.length === shape.length && from.every((n, i) => n === shape[i])) return g;
  const lead = from.length - shape.length;
  if (lead < 0 || !shape.every((n, i) => n === from[lead + i] || n === 1)) {
    throw new RuleError('wrong-shape', {
      rule: where.rule,
      slot: where.slot,
      message: `a cotangent of shape [${from.join(', ')}] cannot be summed to its value's shape [${shape.join(', ')}].`,
      fix: "Return a cotangent of the value's shape, or of a shape the value broadcasts to.",
    });
  }
  const axes = from.flatMap((n, i) => (i < lead || (shape[i - lead] === 1 && n !== 1) ? [i] : []));
  const summed = axes.length === 0 ? g : xp.sum(g, { axis: axes, keepdims: true });
  return xp.reshape(summed, shape);
}
