import * as z from 'zod/mini';
import { RuleError, Tangent, add, defineRule, isZero, kw, namespaceOf, projectTo, scale, unthunk } from '@chainrules/core';
import type { Differentiable, Widen } from '@chainrules/core';
import { shapeOf } from './shapes';
import type { Xp } from './shapes';

/**
 * Options of {@link gaussianNd}: all three are differentiable. `T` is the array type of the
 * points; an option is a number or an array of that type.
 *
 * @example
 * ```ts
 * const opts: GaussianNdOptions<tf.Tensor> = { pos: tf.tensor([0, 1]), sigma: tf.tensor([1, 2]), amplitude: 3 };
 * gaussianNd(points, opts); // points: tf.Tensor of shape [n, 2]
 * ```
 */
export interface GaussianNdOptions<T extends Differentiable = Differentiable> {
  /** The centre (default `0`): shape `[d]`, or a number for the same coordinate on every axis. Differentiable. */
  pos?: number | T;
  /** The widths σ (default `1`), positive: shape `[d]` (one per axis) or a number (isotropic). Differentiable. */
  sigma?: number | T;
  /** The height (default `1`): a number, or an array broadcastable to the output shape `[…]`. Differentiable. */
  amplitude?: number | T;
}

/** u = (p − pos)/σ of shape [..., d], e = exp(−Σⱼ uⱼ²/2) and y = A·e of shape [...]. */
function forward(xp: Xp, points: unknown, pos: unknown, sigma: unknown, amplitude: unknown) {
  if (shapeOf(xp, points).length === 0) {
    throw new RuleError('wrong-shape', {
      rule: 'gaussianNd',
      slot: 'args[0]',
      message: 'the points are a 0-d value, but they need at least one axis: the coordinates ([d] or [n, d]).',
      fix: 'Pass an array of shape [d] for one point or [n, d] for n points; use gaussian for a number.',
    });
  }
  const u = xp.divide(xp.subtract(points as never, pos as never), sigma as never);
  const e = xp.exp(xp.multiply(-0.5, xp.sum(xp.square(u), { axis: -1 })));
  const y = xp.multiply(amplitude as never, e);
  return { u, e, y };
}

function gaussianNdImpl<T extends Differentiable>(points: T, { pos = 0, sigma = 1, amplitude = 1 }: GaussianNdOptions<Widen<T>> = {}): Widen<T> {
  const xp: Xp = namespaceOf(points, pos, sigma, amplitude);
  return forward(xp, points, pos, sigma, amplitude).y;
}

/**
 * A separable N-dimensional Gaussian evaluated at points: for `points` of shape `[n, d]` (or
 * `[…, d]`, the last axis holding the coordinates), the `[n]` values
 * `amplitude · Πⱼ exp(−(pⱼ − posⱼ)² / (2σⱼ²)) = amplitude · exp(−½ Σⱼ ((pⱼ − posⱼ)/σⱼ)²)`,
 * with derivatives for the points and for `pos` (`[d]`), `sigma` (`[d]` or a number) and
 * `amplitude`. The product is computed as the exponential of a sum, so it underflows to `0`
 * only where the true value does.
 *
 * @example
 * ```ts
 * import { f64 } from '@chainrules/testing';
 * import { gaussianNd } from '@chainrules/rules';
 *
 * // Two points in 2-d; a centre and a width per axis.
 * gaussianNd(f64([[0, 0], [1, 2]]), { pos: f64([1, 2]), sigma: f64([1, 2]) }); // [exp(-1), 1]
 * ```
 */
export const gaussianNd: <T extends Differentiable>(points: T, options?: GaussianNdOptions<Widen<T>>) => Widen<T> = defineRule(gaussianNdImpl, {
  name: 'gaussianNd',
  kwargs: z.object({
    pos: kw.diff().default(0),
    sigma: kw.diff().default(1),
    amplitude: kw.diff().default(1),
  }),
  rrule: (cfg, { pos, sigma, amplitude }, points) => {
    const { xp } = cfg;
    const { u, e, y } = forward(xp, points, pos, sigma, amplitude);
    return [
      y,
      (dy) => {
        // ∂yᵢ/∂pᵢⱼ = −yᵢ·uᵢⱼ/σⱼ, ∂yᵢ/∂posⱼ = yᵢ·uᵢⱼ/σⱼ, ∂yᵢ/∂σⱼ = yᵢ·uᵢⱼ²/σⱼ, ∂yᵢ/∂A = eᵢ.
        const gy = xp.expandDims(xp.multiply(dy, y), -1);
        const g = xp.divide(xp.multiply(gy, u), sigma);
        return {
          args: [projectTo(xp, xp.negative(g), points)],
          kwargs: new Tangent({
            pos: projectTo(xp, g, pos),
            sigma: projectTo(xp, xp.multiply(g, u), sigma),
            amplitude: projectTo(xp, xp.multiply(dy, e), amplitude),
          }),
        };
      },
    ];
  },
  frule: (cfg, { args: [dpoints], kwargs: dkw }, { pos, sigma, amplitude }, points) => {
    const { xp } = cfg;
    const { u, e, y } = forward(xp, points, pos, sigma, amplitude);
    const v = xp.divide(u, sigma); // ∂(−½Σu²)/∂pos = u/σ, of shape [..., d]
    // Per coordinate: v·(ṗos − ṗ) + v·u·σ̇; ẏ = y·Σⱼ(…) + e·Ȧ.
    const inner = add(add(scale(xp.negative(v), unthunk(dpoints)), scale(v, dkw.get('pos'))), scale(xp.multiply(v, u), dkw.get('sigma')));
    const fromCoordinates = isZero(inner) ? inner : xp.multiply(y, xp.sum(inner as never, { axis: -1 }));
    return [y, add(fromCoordinates, scale(e, dkw.get('amplitude')))];
  },
});
