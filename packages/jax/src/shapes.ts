import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';
import { jaxApi } from './jaxApi';

/**
 * `g` summed back to `shape` (the inverse of broadcasting): leading axes summed away, axes of
 * length one in `shape` summed with `keepdims`. A shape that cannot be reached is a
 * `RuleError` ('wrong-shape') naming the rule and the slot.
 */
export function unbroadcast(g: JaxArray, shape: readonly number[], rule: string, slot: string): JaxArray {
  const from = g.shape;
  if (from.length === shape.length && from.every((n, i) => n === shape[i])) return g;
  const lead = from.length - shape.length;
  const fits = lead >= 0 && shape.every((n, i) => n === from[lead + i] || n === 1);
  if (!fits) {
    throw new RuleError('wrong-shape', {
      rule,
      slot,
      message: `a tangent of shape [${from.join(', ')}] cannot be brought to its value's shape [${shape.join(', ')}].`,
      fix: 'Return a tangent of the input\'s shape, or one it broadcasts to.',
    });
  }
  let out = g;
  if (lead > 0) out = jaxApi.sum(out, { axis: Array.from({ length: lead }, (_, i) => i) });
  const ones = shape.flatMap((n, i) => (n === 1 && out.shape[i] !== 1 ? [i] : []));
  if (ones.length > 0) out = jaxApi.sum(out, { axis: ones, keepdims: true });
  return out;
}

/** `g` broadcast up to `shape` when it is smaller (a tangent that is constant along some axes). */
export function broadcastUp(g: JaxArray, shape: readonly number[], rule: string, slot: string): JaxArray {
  const from = g.shape;
  if (from.length === shape.length && from.every((n, i) => n === shape[i])) return g;
  const lead = shape.length - from.length;
  if (lead < 0 || !from.every((n, i) => n === 1 || n === shape[lead + i])) {
    throw new RuleError('wrong-shape', {
      rule,
      slot,
      message: `the frule returned a tangent of shape [${from.join(', ')}] for an output of shape [${shape.join(', ')}].`,
      fix: 'Return ẏ of the output\'s shape.',
    });
  }
  return jaxApi.broadcastTo(g, shape);
}
