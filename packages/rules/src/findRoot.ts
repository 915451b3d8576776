import { NoTangent, RuleError, Tangent, ZeroTangent, defineRule, isZero, namespaceOf } from '@chainrules/core';
import type { Differentiable, DifferentiableTree, RuleConfig } from '@chainrules/core';
import { checkFunction, solverSchema } from './fixedPoint';
import type { SolverOptions } from './fixedPoint';
import { callWith, checkLimits, distance, hostNumber, inScope, notConverged, plain, pullbackOf, pushforwardOf } from './iterate';
import type { SolverFunction } from './iterate';
import { paramLeaves, solving } from './params';
import { shapeOf } from './shapes';
import type { Xp } from './shapes';

const RULE = 'findRoot';

function checkScalar(xp: Xp, x: unknown, slot: string): void {
  const shape = shapeOf(xp, x);
  if (shape.reduce((n, k) => n * k, 1) !== 1) {
    throw new RuleError('wrong-shape', {
      rule: RULE,
      slot,
      message: `findRoot solves one equation in one unknown, got an unknown of shape [${shape.join(', ')}].`,
      fix: 'Pass a number or a one-element array; for a system, write it as a fixed point (fixedPoint).',
    });
  }
}

/** The root of f(·, params) by the secant method from x0 and a point just beside it. */
function solve(xp: Xp, f: SolverFunction, x0: unknown, params: unknown, tol: number, maxIter: number): unknown {
  return solving(xp, RULE, x0, params, () => secant(xp, f, x0, params, tol, maxIter));
}

function secant(xp: Xp, f: SolverFunction, x0: unknown, params: unknown, tol: number, maxIter: number): unknown {
  checkFunction(f, RULE);
  checkLimits(tol, maxIter, RULE);
  checkScalar(xp, x0, 'args[1]');
  const start = hostNumber(xp, x0, RULE);
  let a = x0;
  let fa = callWith(f, a, params);
  checkScalar(xp, fa, 'output');
  if (hostNumber(xp, fa, RULE) === 0) return a;
  let b: unknown = typeof x0 === 'number' ? x0 + 1e-4 * Math.max(1, Math.abs(start)) : xp.add(x0 as never, 1e-4 * Math.max(1, Math.abs(start)));
  let last = Number.POSITIVE_INFINITY;
  // Each step's f(b) and next b are released two steps later, when neither is a, f(a) or b any more.
  let releases = [(): void => {}, (): void => {}];
  for (let k = 1; k <= maxIter; k++) {
    const { value, release } = inScope(xp, () => {
      const fb = callWith(f, b, params);
      if (hostNumber(xp, fb, RULE) === 0) return undefined;
      // b − f(b)·(b − a)/(f(b) − f(a))
      const next = typeof b === 'number'
        ? b - ((fb as number) * (b - (a as number))) / ((fb as number) - (fa as number))
        : xp.subtract(b as never, xp.divide(xp.multiply(fb as never, xp.subtract(b as never, a as never)), xp.subtract(fb as never, fa as never)));
      return [fb, next, distance(xp, next, b, RULE)] as const;
    });
    if (value === undefined) return b;
    const [fb, next] = value;
    last = value[2];
    releases[0]!();
    releases = [releases[1]!, release];
    [a, fa, b] = [b, fb, next];
    if (last <= tol) return b;
    if (!Number.isFinite(last)) break;
  }
  throw notConverged(RULE, 'the secant iteration for f(x, params) = 0', maxIter, last, tol);
}

function findRootImpl(f: SolverFunction, x0: unknown, { params, tol = 1e-10, maxIter = 1000 }: SolverOptions = {}): unknown {
  return solve(namespaceOf(x0, ...paramLeaves(params)), f, x0, params, tol, maxIter);
}

/** ∂f/∂x at the root, refused where it is zero (the implicit derivative does not exist there). */
function slope(xp: Xp, value: unknown): unknown {
  if (isZero(value) || hostNumber(xp, value, RULE) === 0) {
    throw new RuleError('unsupported', {
      rule: RULE,
      message: 'the root is degenerate: ∂f/∂x is 0 there, so the root does not move smoothly with params (the implicit derivative does not exist).',
      fix: 'Reformulate the equation so that the root is simple (f crosses zero with a nonzero slope).',
    });
  }
  return value;
}

/**
 * The root x* of `f(x, params) = 0` in one unknown (a number or a one-element array), by the
 * secant method from `x0`, until a step moves x by at most `tol`; `maxIter` steps without
 * getting there (or a non-finite step) is a `not-converged` RuleError.
 *
 * Its derivative is implicit, −(∂f/∂x)⁻¹·∂f/∂params at the root: the reverse rule takes ∂f/∂x
 * and (∂f/∂params)ᵀλ from vector–Jacobian products of `f` through the engine
 * (`cfg.rruleViaAd`), the forward rule from `cfg.fruleViaAd`. A root where ∂f/∂x = 0 has no
 * derivative and is refused. `x0` gets `ZeroTangent`, `f` is static; a differentiable value `f`
 * closes over instead of taking through `params` is treated as a constant.
 *
 * @example
 * ```ts
 * import { findRoot } from '@chainrules/rules';
 *
 * findRoot((x: number, a: number) => x * x - a, 1, { params: 2 }); // 1.41421356…
 * ```
 */
export const findRoot: <X extends Differentiable, P extends DifferentiableTree = number>(
  f: (x: X, params: P) => X,
  x0: X,
  options?: SolverOptions<P>,
) => X = defineRule(findRootImpl as (f: SolverFunction, x0: unknown, options?: SolverOptions) => unknown, {
  name: RULE,
  staticArgs: [0],
  kwargs: solverSchema,
  rrule: (cfg, { params, tol, maxIter }, f, x0) => {
    const { xp } = cfg;
    const x = solve(xp, f, x0, params, tol, maxIter);
    const back = pullbackOf(cfg, f, x, params, RULE);
    const dfdx = slope(xp, plain(back(typeof x === 'number' ? 1 : xp.onesLike(x as never))[1], RULE, 'args[1]'));
    return [
      x,
      (xbar) => {
        const args = [NoTangent, ZeroTangent] as never;
        // No params passed: no option is owed a tangent (an empty Tangent of the options).
        if (params === undefined) return { args, kwargs: new Tangent({}) };
        // λ = −x̄ / (∂f/∂x); params̄ = (∂f/∂params)ᵀλ
        const lambda = typeof xbar === 'number' && typeof dfdx === 'number' ? -xbar / dfdx : xp.negative(xp.divide(xbar as never, dfdx as never));
        return { args, kwargs: new Tangent({ params: back(lambda)[2] as never }) };
      },
    ];
  },
  frule: (cfg: RuleConfig, { kwargs: dkw }, { params, tol, maxIter }, f, x0) => {
    const { xp } = cfg;
    const x = solve(xp, f, x0, params, tol, maxIter);
    const pdot = dkw.get('params');
    if (params === undefined || isZero(pdot)) return [x, ZeroTangent];
    const push = pushforwardOf(cfg, f, x, params, RULE);
    const b = push(ZeroTangent, pdot);
    if (isZero(b)) return [x, b];
    const dfdx = slope(xp, push(typeof x === 'number' ? 1 : xp.onesLike(x as never), ZeroTangent));
    return [x, typeof b === 'number' && typeof dfdx === 'number' ? -b / dfdx : xp.negative(xp.divide(b as never, dfdx as never))];
  },
}) as never;
