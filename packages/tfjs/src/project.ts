import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError, isNoTangent, isZero, unthunk } from '@chainrules/core';

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** `from` broadcasts to `to` (aligned from the right, each dimension equal or 1). */
const broadcastsTo = (from: readonly number[], to: readonly number[]): boolean =>
  from.length <= to.length && from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);

/**
 * A rule's cotangent for `input`, as TF.js's backprop demands it: a float32 tensor of exactly
 * the input's shape. Thunks are unthunked, `ZeroTangent` materialised (`NoTangent`, which says no
 * derivative exists, is `missing-tangent`),
 * a number taken for a scalar input, a broadcast cotangent summed over its broadcast axes.
 * A cotangent smaller than the input (a number or a `[1]` tensor for a `[3]` input) is never
 * broadcast up: it is `wrong-shape`, as is anything else that does not fit, naming the rule and
 * the slot.
 *
 * The adapter applies it to every cotangent; it is exported for hand-written `tf.customGrad`
 * gradients that call a pullback themselves.
 *
 * @param rule The rule's name, for errors.
 * @param slot The slot, for errors: `args[0]`, `kwargs.prior.mu`.
 * @example
 * ```ts
 * const x = tf.tensor([1, 2, 3]);
 * projectCotangent(tf.ones([2, 3]), x, 'foo', 'args[0]').print(); // [2, 2, 2]
 * projectCotangent(ZeroTangent, x, 'foo', 'args[0]').print();     // [0, 0, 0]
 * ```
 */
export function projectCotangent(value: unknown, input: Tensor, rule: string, slot: string): Tensor {
  const shape = input.shape;
  const g = unthunk(value);
  if (isNoTangent(g)) {
    throw new RuleError('missing-tangent', {
      rule,
      slot,
      message: 'the cotangent is NoTangent, which says no derivative exists, for a tensor TF.js differentiates: it would become a silent zero.',
      fix: 'Return the derivative (ZeroTangent where it is zero).',
    });
  }
  if (isZero(g)) return tf.zeros(shape, 'float32');
  if (typeof g === 'number') {
    if (shape.length === 0) return tf.scalar(g, 'float32');
    throw smaller([], shape, rule, slot);
  }
  if (!(g instanceof tf.Tensor)) {
    throw new RuleError('tangent-mismatch', {
      rule,
      slot,
      message: `the cotangent is ${describeValue(g)}, but the input is a tf.Tensor of shape [${shape.join(', ')}].`,
      fix: 'Return a tf.Tensor (or a number, a thunk of one, or a zero tangent) for a tensor argument.',
    });
  }
  if (g.isDisposed) {
    throw new RuleError('disposed', {
      rule,
      slot,
      message: 'the cotangent tensor was disposed before TF.js could use it.',
      fix: 'Do not dispose tensors a pullback returns, and do not return tensors from an inner tf.tidy.',
    });
  }
  const float = g.dtype === 'float32' ? g : tf.cast(g, 'float32');
  if (sameShape(float.shape, shape)) return float === g ? tf.clone(g) : float;
  if (broadcastsTo(shape, float.shape)) {
    const lead = float.rank - shape.length;
    const axes = float.shape.flatMap((d: number, k: number): number[] => (k < lead || (shape[k - lead] === 1 && d !== 1) ? [k] : []));
    return tf.reshape(tf.sum(float, axes), shape);
  }
  if (float !== g) float.dispose();
  if (broadcastsTo(g.shape, shape)) throw smaller(g.shape, shape, rule, slot);
  throw new RuleError('wrong-shape', {
    rule,
    slot,
    message: `the cotangent has shape [${float.shape.join(', ')}], which cannot be brought to the input's shape [${shape.join(', ')}] by summing broadcast axes.`,
    fix: "Return a cotangent of the input's shape (or of a shape the input broadcasts to).",
  });
}

/** A cotangent smaller than its input: broadcasting it up would hide a wrong derivative (a sum that belongs elsewhere). */
function smaller(from: readonly number[], shape: readonly number[], rule: string, slot: string): RuleError {
  return new RuleError('wrong-shape', {
    rule,
    slot,
    message: `the cotangent has shape [${from.join(', ')}], smaller than the input's shape [${shape.join(', ')}]: broadcasting it up would repeat one value where each element has its own derivative.`,
    fix: "Return the cotangent at the input's shape (a summed cotangent here usually means the sum belongs to another slot).",
  });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name === undefined || name === 'Object' ? 'a record' : `a ${name}`;
}
