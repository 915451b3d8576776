import * as z from 'zod/mini';
import { Tangent, add, defineRule, isZero, kw, namespaceOf, projectTo, scale, unthunk } from '@chainrules/core';
import type { Differentiable, Widen } from '@chainrules/core';
import { keptShape, maxKeep, reductionAxes, shapeOf, sumKeep, withoutAxes } from './shapes';
import type { Xp } from './shapes';

/**
 * Options of {@link logsumexp} and {@link softmax}. `T` is the array type of `x`; the
 * temperature is a number or an array of that type.
 *
 * @example
 * ```ts
 * const opts: SoftmaxOptions<number> = { axis: -1, temperature: 0.5 };
 * softmax(2, opts); // 1
 * ```
 */
export interface SoftmaxOptions<T extends Differentiable = Differentiable> {
  /**
   * The axis to reduce over (default `-1`, the last; negative counts from the end), or `null`
   * for the whole array. Static. A plain number (0-d) has no axis: the reduction is over its
   * single element.
   */
  axis?: number | null;
  /**
   * The temperature T > 0 (default `1`): a number, or an array broadcastable to `x`'s shape
   * with the reduced axis kept at length one (one temperature per row). Differentiable.
   */
  temperature?: number | T;
}

const schema = z.object({
  axis: z._default(z.nullable(z.int()), -1),
  temperature: kw.diff().default(1),
});

/**
 * The quantities both rules share, with the reduced axes kept: z = x/T, m = max z,
 * p = exp(z − m)/Σ exp(z − m) (the softmax), L = m + log Σ exp(z − m) = log Σ exp z, and
 * H = Σ p·(L − z) = −Σ p log p (the entropy, ∂(T·L)/∂T). Subtracting m keeps every
 * exponential in (0, 1], so nothing overflows.
 */
function forward(xp: Xp, x: unknown, axis: number | null, temperature: unknown, rule: string) {
  const axes = reductionAxes(shapeOf(xp, x).length, axis, rule);
  const z = xp.divide(x as never, temperature as never);
  const m = maxKeep(xp, z, axes);
  const shifted = xp.subtract(z, m);
  const w = xp.exp(shifted);
  const s = sumKeep(xp, w, axes);
  const p = xp.divide(w, s);
  const logS = xp.log(s);
  const L = xp.add(m, logS);
  return { axes, z, p, L, logS, shifted };
}

function entropy(xp: Xp, p: unknown, logS: unknown, shifted: unknown, axes: readonly number[] | undefined) {
  // L − z = log s − (z − m): both terms finite even where z is huge.
  return sumKeep(xp, xp.multiply(p as never, xp.subtract(logS as never, shifted as never)), axes);
}

/** The output shape of the reduction: `kept` without the reduced axes. */
function squeeze(xp: Xp, kept: unknown, axes: readonly number[] | undefined) {
  return xp.reshape(kept as never, withoutAxes(shapeOf(xp, kept), axes));
}

function logsumexpImpl<T extends Differentiable>(x: T, { axis = -1, temperature = 1 }: SoftmaxOptions<Widen<T>> = {}): Widen<T> {
  const xp: Xp = namespaceOf(x, temperature);
  const { axes, L } = forward(xp, x, axis, temperature, 'logsumexp');
  return squeeze(xp, xp.multiply(temperature, L), axes);
}

function softmaxImpl<T extends Differentiable>(x: T, { axis = -1, temperature = 1 }: SoftmaxOptions<Widen<T>> = {}): Widen<T> {
  const xp: Xp = namespaceOf(x, temperature);
  return forward(xp, x, axis, temperature, 'softmax').p;
}

/**
 * `T · log Σ exp(x / T)` over `axis`: a smooth maximum, computed stably as `T·(m + log Σ exp(x/T − m))`
 * with `m` the maximum of `x/T`. Derivatives: `∂/∂x = softmax(x, { axis, temperature })` and
 * `∂/∂T = −Σ p log p` (the entropy of the softmax). The reduced axis is dropped from the output.
 *
 * @example
 * ```ts
 * import { logsumexp } from '@chainrules/rules';
 *
 * logsumexp(1000); // 1000: a single element
 * logsumexp(2, { temperature: 0.5 }); // 2
 * ```
 */
export const logsumexp: <T extends Differentiable>(x: T, options?: SoftmaxOptions<Widen<T>>) => Widen<T> = defineRule(logsumexpImpl, {
  name: 'logsumexp',
  kwargs: schema,
  rrule: (cfg, { axis, temperature }, x) => {
    const { xp } = cfg;
    const { axes, p, L, logS, shifted } = forward(xp, x, axis, temperature, 'logsumexp');
    const yKept = xp.multiply(temperature, L);
    return [
      squeeze(xp, yKept, axes),
      (dy) => {
        const g = xp.reshape(dy, keptShape(shapeOf(xp, yKept), axes));
        return {
          args: [projectTo(xp, xp.multiply(g, p), x)],
          kwargs: new Tangent({ temperature: projectTo(xp, xp.multiply(g, entropy(xp, p, logS, shifted, axes)), temperature) }),
        };
      },
    ];
  },
  frule: (cfg, { args: [dx], kwargs: dkw }, { axis, temperature }, x) => {
    const { xp } = cfg;
    const { axes, p, L, logS, shifted } = forward(xp, x, axis, temperature, 'logsumexp');
    const yKept = xp.multiply(temperature, L);
    const t = unthunk(dx);
    // ẏ = Σ p·ẋ + H·Ṫ
    const fromX = isZero(t) ? t : sumKeep(xp, xp.multiply(p, t), axes);
    const dyKept = add(fromX, scale(entropy(xp, p, logS, shifted, axes), dkw.get('temperature')));
    return [squeeze(xp, yKept, axes), isZero(dyKept) ? dyKept : squeeze(xp, xp.broadcastTo(dyKept as never, shapeOf(xp, yKept)), axes)];
  },
});

/**
 * `exp(x/T) / Σ exp(x/T)` over `axis`, computed stably as `exp(x/T − m) / Σ exp(x/T − m)`
 * with `m` the maximum of `x/T`, so no exponential overflows. Its derivatives are those of
 * the softmax of `z = x/T`: `ż = (ẋ − z·Ṫ)/T` and `ṗ = p·(ż − Σ p·ż)`.
 *
 * @example
 * ```ts
 * import { softmax } from '@chainrules/rules';
 *
 * softmax(3); // 1: a single element
 * ```
 */
export const softmax: <T extends Differentiable>(x: T, options?: SoftmaxOptions<Widen<T>>) => Widen<T> = defineRule(softmaxImpl, {
  name: 'softmax',
  kwargs: schema,
  rrule: (cfg, { axis, temperature }, x) => {
    const { xp } = cfg;
    const { axes, z, p } = forward(xp, x, axis, temperature, 'softmax');
    return [
      p,
      (dp) => {
        // z̄ = p·(p̄ − Σ p·p̄); x̄ = z̄/T; T̄ = Σ z̄·(−z/T).
        const gp = xp.multiply(p, dp);
        const dz = xp.subtract(gp, xp.multiply(p, sumKeep(xp, gp, axes)));
        const dxOverT = xp.divide(dz, temperature);
        return {
          args: [projectTo(xp, dxOverT, x)],
          kwargs: new Tangent({ temperature: projectTo(xp, xp.negative(xp.multiply(dxOverT, z)), temperature) }),
        };
      },
    ];
  },
  frule: (cfg, { args: [dx], kwargs: dkw }, { axis, temperature }, x) => {
    const { xp } = cfg;
    const { axes, z, p } = forward(xp, x, axis, temperature, 'softmax');
    const dz = add(scale(xp.divide(1, temperature), unthunk(dx)), scale(xp.negative(xp.divide(z, temperature)), dkw.get('temperature')));
    if (isZero(dz)) return [p, dz];
    const gp = xp.multiply(p, dz as never);
    return [p, xp.subtract(gp, xp.multiply(p, sumKeep(xp, gp, axes)))];
  },
});
