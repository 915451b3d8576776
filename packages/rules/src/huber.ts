import * as z from 'zod/mini';
import { kw, namespaceOf, scalarRule } from '@chainrules/core';
import type { Differentiable, Widen } from '@chainrules/core';
import type { Xp } from './shapes';

/**
 * Options of {@link huber}. `T` is the array type of `x`; `delta` is a number or an array of that type.
 *
 * @example
 * ```ts
 * const opts: HuberOptions<number> = { delta: 2 };
 * huber(3, opts); // 4
 * ```
 */
export interface HuberOptions<T extends Differentiable = Differentiable> {
  /** The threshold δ > 0 between the quadratic and the linear part (default `1`): a number or an array broadcastable against `x`. Differentiable. */
  delta?: number | T;
}

/**
 * y = ½x² where |x| ≤ δ, δ·(|x| − ½δ) elsewhere; and its partial derivatives
 * ∂y/∂x = clip(x, −δ, δ) and ∂y/∂δ = max(|x| − δ, 0), both continuous across |x| = δ.
 */
function forward(xp: Xp, x: unknown, delta: unknown) {
  const a = xp.abs(x as never);
  const inside = xp.lessEqual(a, delta as never);
  const y = xp.where(inside, xp.multiply(0.5, xp.square(x as never)), xp.multiply(delta as never, xp.subtract(a, xp.multiply(0.5, delta as never))));
  const dydx = xp.where(inside, x as never, xp.multiply(delta as never, xp.sign(x as never)));
  const dyddelta = xp.where(inside, 0, xp.subtract(a, delta as never));
  return { y, dydx, dyddelta };
}

function huberImpl<T extends Differentiable>(x: T, { delta = 1 }: HuberOptions<Widen<T>> = {}): Widen<T> {
  const xp: Xp = namespaceOf(x, delta);
  const a = xp.abs(x);
  return xp.where(xp.lessEqual(a, delta), xp.multiply(0.5, xp.square(x)), xp.multiply(delta, xp.subtract(a, xp.multiply(0.5, delta))));
}

/**
 * The Huber loss, elementwise: `½x²` where `|x| ≤ δ`, `δ·(|x| − ½δ)` elsewhere — quadratic
 * near zero, linear in the tails, so it grows without overflow at any finite `x`. Derivatives:
 * `∂/∂x = clip(x, −δ, δ)`, `∂/∂δ = max(|x| − δ, 0)`. Not summed: reduce the result yourself.
 *
 * @example
 * ```ts
 * import { huber } from '@chainrules/rules';
 *
 * huber(0.5); // 0.125
 * huber(3, { delta: 2 }); // 4
 * ```
 */
export const huber: <T extends Differentiable>(x: T, options?: HuberOptions<Widen<T>>) => Widen<T> = scalarRule(huberImpl, {
  name: 'huber',
  kwargs: z.object({ delta: kw.diff().default(1) }),
  setup: (xp, { delta }, x) => forward(xp, x, delta),
  value: (_xp, { y }) => y,
  partials: (_xp, { setup: { dydx, dyddelta } }) => ({ args: [dydx], kwargs: { delta: dyddelta } }),
});
