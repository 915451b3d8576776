import { RuleError, isZero } from '@chainrules/core';
import type { ArrayApi } from '@chainrules/core';

/*
 * Shape helpers shared by the rules. They read shapes (static metadata every engine knows
 * while tracing), never element values, and use only `xp` operations.
 */

/** The namespace type the rules compute with: `cfg.xp` or `namespaceOf(…)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a rule runs on the values of whichever engine serves the call
export type Xp = ArrayApi<any, any>;

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** The shape of a value in `xp` (`[]` for a plain number). */
export function shapeOf(xp: Xp, x: unknown): readonly number[] {
  return xp.shape(x as never);
}

/**
 * The axes a reduction over `axis` covers, normalised to non-negative numbers, for an array of
 * rank `rank`: `null` means all axes; a 0-d value (a plain number) has none to reduce, so every
 * reduction over it is the identity and `undefined` (all axes, of which there are none) is returned.
 */
export function reductionAxes(rank: number, axis: number | readonly number[] | null, rule: string): number[] | undefined {
  if (rank === 0) return undefined;
  if (axis === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : [...axis];
  const axes = list.map((a) => (a < 0 ? a + rank : a));
  axes.forEach((k, i) => {
    if (!Number.isInteger(k) || k < 0 || k >= rank || axes.indexOf(k) !== i) {
      throw new RuleError('invalid-option', {
        rule,
        slot: 'kwargs.axis',
        message: `axis ${list[i]!} is out of range or repeated for an array of rank ${rank}.`,
        fix: `Pass axes from ${-rank} to ${rank - 1}, each once, or null for all axes.`,
      });
    }
  });
  return axes;
}

/** `shape` with the `axes` removed: the shape of a reduction without `keepdims`. */
export function withoutAxes(shape: readonly number[], axes: readonly number[] | undefined): number[] {
  if (axes === undefined) return [];
  return shape.filter((_, i) => !axes.includes(i));
}

/** `shape` with the `axes` set to one: the shape of a reduction with `keepdims`. */
export function keptShape(shape: readonly number[], axes: readonly number[] | undefined): number[] {
  if (axes === undefined) return [];
  return shape.map((dim, i) => (axes.includes(i) ? 1 : dim));
}

/** A reduction over `axes` keeping them (the identity on a 0-d value). */
export function sumKeep(xp: Xp, x: unknown, axes: readonly number[] | undefined) {
  return axes === undefined ? xp.sum(x as never) : xp.sum(x as never, { axis: axes, keepdims: true });
}

/** The mean over `axes` keeping them (the identity on a 0-d value). */
export function meanKeep(xp: Xp, x: unknown, axes: readonly number[] | undefined) {
  return axes === undefined ? xp.mean(x as never) : xp.mean(x as never, { axis: axes, keepdims: true });
}

/** The maximum over `axes` keeping them (the identity on a 0-d value). */
export function maxKeep(xp: Xp, x: unknown, axes: readonly number[] | undefined) {
  return axes === undefined ? xp.max(x as never) : xp.max(x as never, { axis: axes, keepdims: true });
}

/**
 * A tangent broadcast to `shape` (zeros stay zeros): a term like `β̇` in `ẏ = … + β̇` has the
 * option's shape, while `ẏ` must have the output's. Linear in the tangent.
 */
export function broadcastTangent(xp: Xp, t: unknown, shape: readonly number[]): unknown {
  if (isZero(t)) return t;
  return sameShape(xp.shape(t as never), shape) ? t : xp.broadcastTo(t as never, shape);
}
