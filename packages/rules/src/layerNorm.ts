import * as z from 'zod/mini';
import { Tangent, add, defineRule, isZero, kw, namespaceOf, projectTo, scale, unthunk } from '@chainrules/core';
import type { Differentiable, Widen } from '@chainrules/core';
import { broadcastTangent, meanKeep, reductionAxes, shapeOf } from './shapes';
import type { Xp } from './shapes';

/**
 * Options of {@link layerNorm}. `T` is the array type of `x`; a differentiable option is a
 * number or an array of that type.
 *
 * @example
 * ```ts
 * const opts: LayerNormOptions<tf.Tensor> = { gamma: tf.ones([16]), beta: tf.zeros([16]), eps: 1e-5, axis: -1 };
 * layerNorm(x, opts); // x: tf.Tensor of shape [batch, 16]
 * ```
 */
export interface LayerNormOptions<T extends Differentiable = Differentiable> {
  /** The scale γ (default `1`): a number or an array broadcastable against `x` (typically the normalised axis's shape). Differentiable. */
  gamma?: number | T;
  /** The shift β (default `0`): a number or an array broadcastable against `x`. Differentiable. */
  beta?: number | T;
  /** Added to the variance before the square root (default `1e-5`). Differentiable: the output depends on it smoothly. */
  eps?: number | T;
  /** The axis to normalise over (default `-1`), several axes, or `null` for all. Static. */
  axis?: number | readonly number[] | null;
}

/** μ and σ² over the axes, r = 1/√(σ² + ε), x̂ = (x − μ)·r and y = γ·x̂ + β. */
function forward(xp: Xp, x: unknown, gamma: unknown, beta: unknown, eps: unknown, axis: number | readonly number[] | null) {
  const axes = reductionAxes(shapeOf(xp, x).length, axis, 'layerNorm');
  const centred = xp.subtract(x as never, meanKeep(xp, x, axes));
  const variance = meanKeep(xp, xp.square(centred), axes);
  const r = xp.divide(1, xp.sqrt(xp.add(variance, eps as never)));
  const xhat = xp.multiply(centred, r);
  const y = xp.add(xp.multiply(gamma as never, xhat), beta as never);
  return { axes, r, xhat, y };
}

function layerNormImpl<T extends Differentiable>(x: T, { gamma = 1, beta = 0, eps = 1e-5, axis = -1 }: LayerNormOptions<Widen<T>> = {}): Widen<T> {
  const xp: Xp = namespaceOf(x, gamma, beta, eps);
  return forward(xp, x, gamma, beta, eps, axis).y;
}

/**
 * Layer normalisation: `γ · (x − μ) / √(σ² + ε) + β`, with `μ` and `σ²` the mean and the
 * (biased) variance of `x` over `axis`. Derivatives for `x`, `gamma`, `beta` and `eps`; the
 * cotangents of the options have the shapes the caller passed. The pullback reuses `x̂` and
 * `1/√(σ² + ε)` from the forward pass: `x̄ = r·(ĝ − mean ĝ − x̂·mean(ĝ·x̂))` with `ĝ = γ·ȳ`.
 *
 * @example
 * ```ts
 * import { f64 } from '@chainrules/testing';
 * import { layerNorm } from '@chainrules/rules';
 *
 * layerNorm(f64([[1, 2, 3], [2, 4, 6]]), { gamma: f64([1, 1, 2]), beta: 0.5, eps: 0 });
 * ```
 */
export const layerNorm: <T extends Differentiable>(x: T, options?: LayerNormOptions<Widen<T>>) => Widen<T> = defineRule(layerNormImpl, {
  name: 'layerNorm',
  kwargs: z.object({
    gamma: kw.diff().default(1),
    beta: kw.diff().default(0),
    eps: kw.diff().default(1e-5),
    axis: z._default(z.nullable(z.union([z.int(), z.readonly(z.array(z.int()).check(z.minLength(1)))])), -1),
  }),
  rrule: (cfg, { gamma, beta, eps, axis }, x) => {
    const { xp } = cfg;
    const { axes, r, xhat, y } = forward(xp, x, gamma, beta, eps, axis);
    return [
      y,
      (dy) => {
        const gh = xp.multiply(dy, gamma); // ĝ = γ·ȳ, the cotangent of x̂
        const ghx = xp.multiply(gh, xhat);
        const dx = xp.multiply(r, xp.subtract(xp.subtract(gh, meanKeep(xp, gh, axes)), xp.multiply(xhat, meanKeep(xp, ghx, axes))));
        return {
          args: [projectTo(xp, dx, x)],
          kwargs: new Tangent({
            gamma: projectTo(xp, xp.multiply(dy, xhat), gamma),
            beta: projectTo(xp, dy, beta),
            // ∂x̂/∂ε = −½·x̂·r²
            eps: projectTo(xp, xp.multiply(-0.5, xp.multiply(ghx, xp.square(r))), eps),
          }),
        };
      },
    ];
  },
  frule: (cfg, { args: [dx], kwargs: dkw }, { gamma, beta, eps, axis }, x) => {
    const { xp } = cfg;
    const { axes, r, xhat, y } = forward(xp, x, gamma, beta, eps, axis);
    const t = unthunk(dx);
    // ẋ̂ = r·(ẋc − x̂·mean(x̂·ẋc)) − ½·x̂·r²·ε̇, with ẋc = ẋ − mean ẋ.
    let fromX: unknown = t;
    if (!isZero(t)) {
      const tc = xp.subtract(t as never, meanKeep(xp, t, axes));
      fromX = xp.multiply(r, xp.subtract(tc, xp.multiply(xhat, meanKeep(xp, xp.multiply(xhat, tc), axes))));
    }
    const dxhat = add(fromX, scale(xp.multiply(-0.5, xp.multiply(xhat, xp.square(r))), dkw.get('eps')));
    // ẏ = γ·ẋ̂ + γ̇·x̂ + β̇
    const dy = add(add(scale(gamma, dxhat), scale(xhat, dkw.get('gamma'))), broadcastTangent(xp, unthunk(dkw.get('beta')), shapeOf(xp, y)));
    return [y, broadcastTangent(xp, dy, shapeOf(xp, y))];
  },
});
