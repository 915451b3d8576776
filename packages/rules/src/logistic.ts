import { namespaceOf, scalarRule } from '@chainrules/core';
import type { Differentiable, Widen } from '@chainrules/core';
import type { Xp } from './shapes';

/*
 * softplus, sigmoid and logit: one family, all built on e = exp(−|x|) ∈ (0, 1], which never
 * overflows.
 */

/** σ(x) from e = exp(−|x|): 1/(1 + e) for x ≥ 0, e/(1 + e) for x < 0 — no overflow, full relative accuracy in both tails. */
function sigmoidOf(xp: Xp, x: unknown, e: unknown) {
  const onePlusE = xp.add(1, e as never);
  return xp.where(xp.greaterEqual(x as never, 0), xp.divide(1, onePlusE), xp.divide(e as never, onePlusE));
}

/** σ'(x) = σ(x)·(1 − σ(x)) = e/(1 + e)², accurate where σ(x) rounds to 1. */
function sigmoidSlope(xp: Xp, e: unknown) {
  return xp.divide(e as never, xp.square(xp.add(1, e as never)));
}

function softplusImpl<T extends Differentiable>(x: T): Widen<T> {
  const xp: Xp = namespaceOf(x);
  return xp.add(xp.maximum(x, 0), xp.log1p(xp.exp(xp.negative(xp.abs(x)))));
}

function sigmoidImpl<T extends Differentiable>(x: T): Widen<T> {
  const xp: Xp = namespaceOf(x);
  return sigmoidOf(xp, x, xp.exp(xp.negative(xp.abs(x))));
}

function logitImpl<T extends Differentiable>(p: T): Widen<T> {
  const xp: Xp = namespaceOf(p);
  return xp.subtract(xp.log(p), xp.log1p(xp.negative(p)));
}

/**
 * `log(1 + eˣ)`, elementwise, computed as `max(x, 0) + log1p(exp(−|x|))`: no overflow at any
 * `x` (`softplus(1000)` is `1000`) and full relative accuracy for very negative `x`. Its
 * derivative is `sigmoid(x)`, from the same `exp(−|x|)`.
 *
 * @example
 * ```ts
 * import { softplus } from '@chainrules/rules';
 *
 * softplus(0); // 0.6931471805599453 (log 2)
 * softplus(1000); // 1000
 * ```
 */
export const softplus: <T extends Differentiable>(x: T) => Widen<T> = scalarRule(softplusImpl, {
  name: 'softplus',
  setup: (xp, _opts, x) => xp.exp(xp.negative(xp.abs(x))),
  value: (xp, e, _opts, x) => xp.add(xp.maximum(x, 0), xp.log1p(e)),
  partials: (xp, { setup: e }, _opts, x) => ({ args: [sigmoidOf(xp, x, e)] }),
});

/**
 * The logistic function `1 / (1 + e⁻ˣ)`, elementwise, computed from `e = exp(−|x|)` as
 * `1/(1 + e)` for `x ≥ 0` and `e/(1 + e)` for `x < 0`: no overflow at any `x`. Its derivative
 * is computed as `e/(1 + e)²` rather than `σ(1 − σ)`, so it keeps its relative accuracy where
 * `σ` rounds to 1.
 *
 * @example
 * ```ts
 * import { sigmoid } from '@chainrules/rules';
 *
 * sigmoid(0); // 0.5
 * sigmoid(-1000); // 0
 * ```
 */
export const sigmoid: <T extends Differentiable>(x: T) => Widen<T> = scalarRule(sigmoidImpl, {
  name: 'sigmoid',
  setup: (xp, _opts, x) => xp.exp(xp.negative(xp.abs(x))),
  value: (xp, e, _opts, x) => sigmoidOf(xp, x, e),
  partials: (xp, { setup: e }) => ({ args: [sigmoidSlope(xp, e)] }),
});

/**
 * The inverse of {@link sigmoid}, `log(p / (1 − p))` for `p` in (0, 1), elementwise, computed
 * as `log(p) − log1p(−p)`, accurate near both ends. Derivative: `1 / (p·(1 − p))`.
 *
 * @example
 * ```ts
 * import { logit, sigmoid } from '@chainrules/rules';
 *
 * logit(0.5); // 0
 * sigmoid(logit(0.25)); // 0.25
 * ```
 */
export const logit: <T extends Differentiable>(p: T) => Widen<T> = scalarRule(logitImpl, {
  name: 'logit',
  value: (xp, _setup, _opts, p) => xp.subtract(xp.log(p), xp.log1p(xp.negative(p))),
  partials: (xp, _at, _opts, p) => ({ args: [xp.divide(1, xp.multiply(p, xp.subtract(1, p)))] }),
});
