import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';
import { jaxApi } from './jaxApi';

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
