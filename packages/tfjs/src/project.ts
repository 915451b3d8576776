import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError, isZero, unthunk } from '@chainrules/core';

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i]);

/** `from` broadcasts to `to` (aligned from the right, each dimension equal or 1). */
const broadcastsTo = (from: readonly number[], to: readonly number[]): boolean =>
  from.length <= to.length && from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);

/**
 * A rule's cotangent for `input`, as TF.js's backprop demands it: a float32 tensor of exactly
 * the input's shape. Thunks are unthunked, zeros (`NoTangent`, `ZeroTangent`) materialised,
 * numbers filled in, a broadcast cotangent summed over its broadcast axes (and a smaller one
 * broadcast up). Anything else is a `RuleError` naming the rule and the slot.
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
  if (isZero(g)) return tf.zeros(shape, 'float32');
  if (typeof g === 'number') return tf.fill(shape, g, 'float32');
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
  if (broadcastsTo(float.shape, shape)) return tf.mul(float, tf.ones(shape, 'float32'));
  throw new RuleError('wrong-shape', {
    rule,
    slot,
    message: `the cotangent has shape [${float.shape.join(', ')}], which cannot be brought to the input's shape [${shape.join(', ')}] by summing broadcast axes.`,
    fix: "Return a cotangent of the input's shape (or of a shape the input broadcasts to).",
  });
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name === undefined || name === 'Object' ? 'a record' : `a ${name}`;
}
