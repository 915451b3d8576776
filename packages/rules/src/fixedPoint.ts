import * as z from 'zod/mini';
import { NoTangent, RuleError, Tangent, ZeroTangent, defineRule, isRuleError, isZero, kw, namespaceOf } from '@chainrules/core';
import type { Differentiable, DifferentiableTree, RuleConfig } from '@chainrules/core';
import { callWith, checkLimits, inScope, iterate, magnitude, plain, plus, pullbackOf, pushforwardOf } from './iterate';
import type { SolverFunction } from './iterate';
import { onesLikeTree, paramLeaves, solving } from './params';
import type { Xp } from './shapes';

/**
 * Options of {@link fixedPoint} and {@link findRoot}. `params` is differentiable; `tol` and
 * `maxIter` are static.
 *
 * @example
 * ```ts
 * const opts: SolverOptions<number> = { params: 0.5, tol: 1e-12, maxIter: 200 };
 * const byRecord: SolverOptions<{ a: number; b: number }> = { params: { a: 0.5, b: 1 } };
 * ```
 */
export interface SolverOptions<P extends DifferentiableTree = DifferentiableTree> {
  /**
   * What the function depends on besides `x`, passed as its second argument: a number, an
   * array, or a record or list of them (`{ w, b }`; its tangent is a `Tangent` of the same
   * shape). Differentiable — and the only way a differentiable value reaches the function: one
   * the function closes over instead is a constant to the rule (see the guide).
   */
  params?: P;
  /** Stop when an iteration moves every element by at most `tol` (default `1e-10`). Static. */
  tol?: number;
  /** At most this many iterations (default `1000`); more is a `not-converged` RuleError. Static. */
  maxIter?: number;
}

/** The schema both solvers share. */
export const solverSchema = z.object({
  params: kw.tree().optional(),
  tol: z._default(z.number(), 1e-10),
  maxIter: z._default(z.number(), 1000),
});

const RULE = 'fixedPoint';

function solve(xp: Xp, g: SolverFunction, x0: unknown, params: unknown, tol: number, maxIter: number): unknown {
  checkFunction(g, RULE);
  checkLimits(tol, maxIter, RULE);
  return solving(xp, RULE, x0, params, () => iterate(xp, x0, (x) => callWith(g, x, params), tol, maxIter, RULE, 'the fixed-point iteration x ← g(x, params)').x);
}

/** Refuses a first argument that is not a function. */
export function checkFunction(g: unknown, rule: string): void {
  if (typeof g !== 'function') {
    throw new RuleError('invalid-option', { rule, slot: 'args[0]', message: `${rule} takes the function first, got ${typeof g}.`, fix: `Call ${rule}((x, params) => …, x0, { params }).` });
  }
}

function fixedPointImpl(g: SolverFunction, x0: unknown, { params, tol = 1e-10, maxIter = 1000 }: SolverOptions = {}): unknown {
  return solve(namespaceOf(x0, ...paramLeaves(params)), g, x0, params, tol, maxIter);
}

/**
 * Solves the adjoint system λ = x̄ + (∂g/∂x)ᵀλ by the same kind of iteration as the forward
 * solve, with vector–Jacobian products from the engine; its tolerance is `tol` relative to x̄.
 */
function adjoint(xp: Xp, back: (cotangent: unknown) => unknown[], xbar: unknown, tol: number, maxIter: number): unknown {
  const scale = Math.max(1, magnitude(xp, xbar, RULE));
  return iterate(xp, xbar, (lambda) => plus(xp, xbar, plain(back(lambda)[1], RULE, 'args[1]')), tol * scale, maxIter, RULE, 'the adjoint iteration λ ← x̄ + (∂g/∂x)ᵀλ', 'args[1]').x;
}

/** The magnitude of `x`, or `undefined` when the engine cannot read it (a value it is tracing, as jax-js's `grad` does). */
function readable(xp: Xp, x: unknown): number | undefined {
  try {
    return magnitude(xp, x, RULE);
  } catch (error) {
    if (isRuleError(error) && error.code === 'unsupported') return undefined;
    throw error;
  }
}

/** Iterates ẋ ← b + push(ẋ) from ẋ = b until a step is at most `tol` (relative to b); returns ẋ and the count. */
function tangentLoop(xp: Xp, b: unknown, scale: number, push: (xdot: unknown) => unknown, tol: number, maxIter: number): { xdot: unknown; iterations: number } {
  const { x, iterations } = iterate(xp, b, (xdot) => plus(xp, b, push(xdot)), tol * scale, maxIter, RULE, 'the tangent iteration ẋ ← (∂g/∂params)ṗ + (∂g/∂x)ẋ', 'output');
  return { xdot: x, iterations };
}

/** `count` iterations of ẋ ← b + push(ẋ) from ẋ = b, each iterate released once its successor is computed. */
function tangentSteps(xp: Xp, b: unknown, push: (xdot: unknown) => unknown, count: number): unknown {
  let xdot = b;
  let releaseXdot = (): void => {};
  for (let k = 0; k < count; k++) {
    const { value: next, release } = inScope(xp, () => plus(xp, b, push(xdot)));
    if (next !== xdot) {
      releaseXdot();
      releaseXdot = release;
    }
    xdot = next;
  }
  return xdot;
}

/**
 * The forward analog: ẋ = b + (∂g/∂x)ẋ, with b = (∂g/∂params)·ṗ. When the engine traces the
 * tangents (jax-js's `grad` linearises the frule, so their values are unknown), the loop cannot
 * stop on a tolerance: it runs a fixed count instead — twice what the same iteration needs, with
 * the same tolerance, from the concrete direction ṗ = 1, so that every mode of ∂g/∂x has decayed
 * to far below `tol`.
 */
function tangentOf(cfg: RuleConfig, g: SolverFunction, x: unknown, params: unknown, pdot: unknown, tol: number, maxIter: number): unknown {
  const { xp } = cfg;
  if (isZero(pdot) || params === undefined) return ZeroTangent;
  const push = pushforwardOf(cfg, g, x, params, RULE);
  const b = push(ZeroTangent, pdot);
  if (isZero(b)) return b;
  const size = readable(xp, b);
  if (size !== undefined) return tangentLoop(xp, b, Math.max(1, size), (xdot) => push(xdot, ZeroTangent), tol, maxIter).xdot;
  const probe = push(ZeroTangent, onesLikeTree(xp, params as DifferentiableTree));
  const count = isZero(probe) ? 1 : tangentLoop(xp, probe, Math.max(1, magnitude(xp, probe, RULE)), (xdot) => push(xdot, ZeroTangent), tol, maxIter).iterations;
  return tangentSteps(xp, b, (xdot) => push(xdot, ZeroTangent), 2 * count);
}

/**
 * The fixed point x* = g(x*, params), found by iterating `x ← g(x, params)` from `x0` until no
 * element moves by more than `tol`; `maxIter` iterations without getting there is a
 * `not-converged` RuleError, never a silent result. `x` is a number or an array; `params` a
 * number, an array, or a record or list of them (differentiable: its tangent has its shape).
 *
 * Its derivative is implicit: the reverse rule solves the adjoint system
 * (I − ∂g/∂x)ᵀλ = x̄ by iterating λ ← x̄ + (∂g/∂x)ᵀλ with vector–Jacobian products of `g` from
 * the engine (`cfg.rruleViaAd`), then gives params̄ = (∂g/∂params)ᵀλ — the cost of a few
 * pullbacks of one step, not of the whole loop. `x0` gets `ZeroTangent` (the fixed point does
 * not depend on where the iteration started); `g` is static. A differentiable value `g` closes
 * over instead of taking through `params` is treated as a constant.
 *
 * @example
 * ```ts
 * import { fixedPoint } from '@chainrules/rules';
 *
 * fixedPoint((x: number, a: number) => Math.cos(a * x), 0, { params: 1 }); // 0.7390851332…
 * ```
 */
export const fixedPoint: <X extends Differentiable, P extends DifferentiableTree = number>(
  g: (x: X, params: P) => X,
  x0: X,
  options?: SolverOptions<P>,
) => X = defineRule(fixedPointImpl as (g: SolverFunction, x0: unknown, options?: SolverOptions) => unknown, {
  name: RULE,
  staticArgs: [0],
  kwargs: solverSchema,
  rrule: (cfg, { params, tol, maxIter }, g, x0) => {
    const { xp } = cfg;
    const x = solve(xp, g, x0, params, tol, maxIter);
    const back = pullbackOf(cfg, g, x, params, RULE);
    return [
      x,
      (xbar) => {
        const lambda = adjoint(xp, back, xbar, tol, maxIter);
        const args = [NoTangent, ZeroTangent] as never;
        // No params passed: no option is owed a tangent (an empty Tangent of the options).
        // params̄ as the engine gives it: a Tangent of the same shape for a record or a list (core checks it).
        return { args, kwargs: new Tangent(params === undefined ? {} : { params: back(lambda)[2] as never }) };
      },
    ];
  },
  frule: (cfg, { kwargs: dkw }, { params, tol, maxIter }, g, x0) => {
    const x = solve(cfg.xp, g, x0, params, tol, maxIter);
    return [x, tangentOf(cfg, g, x, params, dkw.get('params'), tol, maxIter)];
  },
}) as never;
