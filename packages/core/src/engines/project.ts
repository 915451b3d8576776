import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { isTangent } from '../tangents/tangent';
import { describe } from '../tangents/describe';
import { isNotImplemented, notImplementedError } from '../tangents/notImplemented';
import { unthunk } from '../tangents/thunk';
import { isNoTangent, isZero } from '../tangents/zeros';
import type { ArrayApi } from './arrayApi';

/** Where a projected value belongs, how it may differ from its primal's shape, and the engine's dtype hook. */
export interface ProjectOptions<A> {
  /** The rule's name, for errors. */
  readonly rule?: string | undefined;
  /** The slot, for errors: `'args[0]'`, `'kwargs.pos'`, `'output'`. */
  readonly slot?: string | undefined;
  /**
   * `'cotangent'` (the default): a pullback's cotangent for `primal`, which may be larger than it
   * (the primal was broadcast: the extra axes are summed away) but never smaller. `'tangent'`: an
   * frule's tangent of `primal`, which may be smaller (constant along the missing axes: it is
   * broadcast up) but never larger.
   */
  readonly as?: 'cotangent' | 'tangent' | undefined;
  /**
   * The engine's hook for what shapes do not settle: called on every engine array the projection
   * returns (an engine demanding float32 gradients casts here; one whose gradients must be fresh
   * tensors copies here).
   */
  readonly finish?: ((value: A, primal: A | number) => A) | undefined;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((n, i) => n === b[i]);

/** `small` broadcasts to `large`: aligned from the right, each of its dimensions equal or 1. */
const broadcastsTo = (small: readonly number[], large: readonly number[]): boolean => {
  const lead = large.length - small.length;
  return lead >= 0 && small.every((n, i) => n === 1 || n === large[lead + i]);
};

/**
 * A tangent or cotangent brought onto its primal's shape and kind — the one projection every
 * adapter and rule uses (ChainRulesCore's `ProjectTo`): thunks evaluated; a zero materialised as
 * the primal's zeros (`NoTangent` for a cotangent is `missing-tangent`: it says no derivative
 * exists); a cotangent larger than its primal (the primal was broadcast) summed over the extra
 * axes, never a smaller one broadcast up (`wrong-shape`); a tangent smaller than its primal
 * broadcast up, never a larger one summed. Uses `xp.shape`, `xp.sum`, `xp.reshape`,
 * `xp.broadcastTo`, `xp.zerosLike` and `xp.asarray` only, so it runs (and traces) under every
 * engine; `finish` is the engine's hook for dtype.
 *
 * @example
 * ```ts
 * // In a pullback: x has shape [n, d], pos was passed as [d] (or as a number).
 * const posBar = projectTo(xp, g, pos, { rule: 'gaussian', slot: 'kwargs.pos' });
 * ```
 */
export function projectTo<A>(xp: ArrayApi<A, unknown>, value: unknown, primal: A, options?: ProjectOptions<A>): A;
export function projectTo<A>(xp: ArrayApi<A, unknown>, value: unknown, primal: A | number, options?: ProjectOptions<A>): A | number;
export function projectTo<A>(xp: ArrayApi<A, unknown>, value: unknown, primal: A | number, options: ProjectOptions<A> = {}): A | number {
  const { rule, slot, as = 'cotangent', finish } = options;
  const g = unthunk(value);
  if (isNotImplemented(g)) throw notImplementedError(g, rule, slot);
  const done = (out: A | number): A | number => (finish !== undefined && typeof out !== 'number' ? finish(out, primal) : out);
  if (isZero(g)) {
    if (as === 'cotangent' && isNoTangent(g)) {
      throw new RuleError('missing-tangent', {
        rule,
        slot,
        message: `the cotangent is NoTangent, which says no derivative exists, for ${describe(primal)}, whose derivative the engine takes: it would become a silent zero.`,
        fix: 'Return the derivative (ZeroTangent where it is zero).',
      });
    }
    return typeof primal === 'number' ? 0 : done(xp.zerosLike(primal));
  }
  // A number, or an array of the namespace's engine (records, lists, Tangents and strings are not).
  if (typeof g !== 'number' && (typeof g !== 'object' || g === null || Array.isArray(g) || isPlainObject(g) || isTangent(g))) {
    throw new RuleError('tangent-mismatch', {
      rule,
      slot,
      message: `the ${as} is ${describe(g)}, not a number or an engine array, for ${describe(primal)}.`,
      fix: 'Return a number or an array of the primal’s engine (or a zero, or a thunk of one).',
    });
  }
  const to = xp.shape(primal);
  const from = xp.shape(g as A | number);
  if (sameShape(from, to)) return typeof g === 'number' && typeof primal !== 'number' ? done(xp.asarray(g)) : done(g as A | number);
  if (as === 'cotangent' && broadcastsTo(to, from)) {
    const lead = from.length - to.length;
    const inner = to.flatMap((n, i) => (n === 1 && from[lead + i] !== 1 ? [lead + i] : []));
    const leading = Array.from({ length: lead }, (_, i) => i);
    // Only leading axes: one sum, no reshape. Otherwise keep the dimensions and reshape.
    if (inner.length === 0) return done(xp.sum(g as A, { axis: leading }));
    const summed = xp.sum(g as A, { axis: [...leading, ...inner], keepdims: true });
    return done(xp.reshape(summed, to));
  }
  if (as === 'tangent' && broadcastsTo(from, to)) return done(xp.broadcastTo(g as A | number, to));
  throw new RuleError('wrong-shape', {
    rule,
    slot,
    message:
      as === 'cotangent'
        ? `a cotangent of shape [${from.join(', ')}] for a value of shape [${to.join(', ')}]: a cotangent has its value's shape, or a larger one that sums down to it (the value was broadcast), never a smaller one.`
        : `a tangent of shape [${from.join(', ')}] for a value of shape [${to.join(', ')}]: a tangent has its value's shape, or a smaller one that broadcasts to it.`,
    fix: as === 'cotangent' ? "Return the cotangent at the value's shape (a summed cotangent here usually means the sum belongs to another slot)." : "Return ẏ at the output's shape.",
  });
}
