import type { Array as JaxArray } from '@jax-js/jax';
import { isArrayOrTracer } from './internals';

/** A node of a jax-js pytree: a list or a plain record (jax-js takes everything else for a leaf). */
const isNode = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * The jax-js arrays among the leaves of `value` read as a jax-js pytree (lists and plain records
 * are its nodes, to depth 32), each occurrence once per place it holds: what a jax-js function
 * handed `value` consumes, and what one returning `value` hands over. Not a search for hidden
 * values — that is core's `findValue`.
 */
export function pytreeArrays(value: unknown, into: JaxArray[] = [], depth = 0): JaxArray[] {
  if (isArrayOrTracer(value)) into.push(value);
  else if (depth < 32 && isNode(value)) for (const node of Array.isArray(value) ? value : Object.values(value)) pytreeArrays(node, into, depth + 1);
  return into;
}
