import * as z from 'zod/mini';
import { kw, namespaceOf, scalarRule } from '@chainrules/core';
import type { Differentiable, Widen } from '@chainrules/core';
import type { Xp } from './shapes';

/**
 * Options of {@link gaussian}: all three are differentiable. `T` is the array type of `x`; an
 * option is a number or an array of that type.
 *
 * @example
 * ```ts
 * const opts: GaussianOptions<number> = { pos: 1.2, sigma: 0.7, amplitude: 2 };
 * gaussian(1, opts);
 * ```
 */
export interface GaussianOptions<T extends Differentiable = Differentiable> {
  /** The centre (default `0`): a number or an array broadcastable against `x`. Differentiable. */
  pos?: number | T;
  /** The width σ (default `1`), positive: a number or an array broadcastable against `x`. Differentiable. */
  sigma?: number | T;
  /** The height (default `1`): a number or an array broadcastable against `x`. Differentiable. */
  amplitude?: number | T;
}

/** What the rules of the Gaussian share: u = (x − pos)/σ, e = exp(−u²/2) and y = A·e. */
function forward(xp: Xp, x: unknown, pos: unknown, sigma: unknown, amplitude: unknown) {
  const u = xp.divide(xp.subtract(x as never, pos as never), sigma as never);
  const e = xp.exp(xp.multiply(-0.5, xp.square(u)));
  const y = xp.multiply(amplitude as never, e);
  return { u, e, y };
}

function gaussianImpl<T extends Differentiable>(x: T, { pos = 0, sigma = 1, amplitude = 1 }: GaussianOptions<Widen<T>> = {}): Widen<T> {
  const xp: Xp = namespaceOf(x, pos, sigma, amplitude);
  return forward(xp, x, pos, sigma, amplitude).y;
}

/**
 * The Gaussian `amplitude · exp(−(x − pos)² / (2σ²))`, elementwise, with derivatives for `x`
 * and for the options `pos`, `sigma` and `amplitude`. The options broadcast against `x` as
 * the arithmetic does (a number, or an array such as one centre per row); the cotangent of
 * each option has the shape the caller passed, summed over the axes it was broadcast along.
 *
 * Where the curve underflows (|x − pos| ≫ σ) the value and every derivative are exactly `0`,
 * never `NaN`: all of them are `y` times powers of `u = (x − pos)/σ`.
 *
 * @example
 * ```ts
 * import { kwcall, rrule } from '@chainrules/core';
 * import { gaussian } from '@chainrules/rules';
 *
 * gaussian(1, { pos: 1, sigma: 2, amplitude: 3 }); // 3
 * const [, pullback] = rrule(kwcall, { pos: 0.5 }, gaussian, 1)!;
 * pullback(1); // [NoTangent, Tangent { pos: 0.44… }, NoTangent, -0.44…]
 * ```
 */
export const gaussian: <T extends Differentiable>(x: T, options?: GaussianOptions<Widen<T>>) => Widen<T> = scalarRule(gaussianImpl, {
  name: 'gaussian',
  kwargs: z.object({
    pos: kw.diff().default(0),
    sigma: kw.diff().default(1),
    amplitude: kw.diff().default(1),
  }),
  setup: (xp, { pos, sigma, amplitude }, x) => forward(xp, x, pos, sigma, amplitude),
  value: (_xp, { y }) => y,
  partials: (xp, { setup: { u, e, y } }, { sigma }) => {
    // ∂y/∂x = −y·u/σ, ∂y/∂pos = y·u/σ, ∂y/∂σ = y·u²/σ, ∂y/∂A = e.
    const s = xp.divide(xp.multiply(y, u), sigma);
    return { args: [xp.negative(s)], kwargs: { pos: s, sigma: xp.multiply(s, u), amplitude: e } };
  },
});
