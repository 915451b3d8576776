import { Tangent } from '@chainrules/core';
import type { Differentiable, DifferentiableTree } from '@chainrules/core';
import type { Xp } from './shapes';

/*
 * A solver's `params`: a number, an array, or plain records and lists of them (`kw.tree()`).
 */

/** A plain record (a literal or `Object.create(null)`), as `kw.tree()` takes them. */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A tangent of ones shaped like `params` (a `Tangent` of the same shape for a record or a list): the direction the forward rules probe with. */
export function onesLikeTree(xp: Xp, params: DifferentiableTree): unknown {
  if (typeof params === 'number') return 1;
  if (Array.isArray(params)) return new Tangent((params as readonly DifferentiableTree[]).map((leaf) => onesLikeTree(xp, leaf)) as never);
  if (isRecord(params)) {
    const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, leaf] of Object.entries(params)) fields[key] = onesLikeTree(xp, leaf as DifferentiableTree);
    return new Tangent(fields);
  }
  return xp.onesLike(params as Differentiable as never);
}

/** The leaves of `params` (numbers and arrays), for `namespaceOf`. */
export function paramLeaves(params: unknown): unknown[] {
  if (Array.isArray(params)) return params.flatMap(paramLeaves);
  if (isRecord(params)) return Object.values(params).flatMap(paramLeaves);
  return [params];
}
