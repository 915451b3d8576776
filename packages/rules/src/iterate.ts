import { RuleError, isTangent, isZero, unthunk } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import type { Xp } from './shapes';

/*
 * What the solvers' rules share: reading a residual on the host, iterating to a tolerance
 * (never returning an unconverged iterate), and asking the engine for a function's pullback.
 */

/** A function the solvers call: `g(x)` or `g(x, params)`. */
export type SolverFunction = (x: never, params: never) => unknown;

/** `x` read as a plain number through `xp.toNumber`; an engine whose namespace cannot read values is refused. */
export function hostNumber(xp: Xp, x: unknown, rule: string): number {
  if (typeof x === 'number') return x;
  if (xp.toNumber === undefined) {
    throw new RuleError('unsupported', {
      rule,
      message: `${rule} decides when to stop from its iterates' values, and the '${xp.name}' namespace cannot read a value (it has no toNumber).`,
      fix: 'Give the ArrayApi a toNumber(x) method, or run the solver on another engine.',
    });
  }
  return xp.toNumber(x as never);
}

/** max |a − b| over the elements, on the host. */
export function distance(xp: Xp, a: unknown, b: unknown, rule: string): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  return hostNumber(xp, xp.max(xp.abs(xp.subtract(a as never, b as never))), rule);
}

/** max |a| over the elements, on the host. */
export function magnitude(xp: Xp, a: unknown, rule: string): number {
  if (typeof a === 'number') return Math.abs(a);
  return hostNumber(xp, xp.max(xp.abs(a as never)), rule);
}

/** Calls `g(x)`, or `g(x, params)` when there are params. */
export function callWith(g: SolverFunction, x: unknown, params: unknown): unknown {
  const f = g as (...args: unknown[]) => unknown;
  return params === undefined ? f(x) : f(x, params);
}

/** Checks the iteration limits every solver takes. */
export function checkLimits(tol: number, maxIter: number, rule: string): void {
  if (!(tol > 0) || !Number.isFinite(tol)) {
    throw new RuleError('invalid-option', { rule, slot: 'kwargs.tol', message: `tol must be a positive finite number, got ${String(tol)}.`, fix: 'Pass for example tol: 1e-10.' });
  }
  if (!Number.isInteger(maxIter) || maxIter < 1) {
    throw new RuleError('invalid-option', { rule, slot: 'kwargs.maxIter', message: `maxIter must be a positive integer, got ${String(maxIter)}.`, fix: 'Pass for example maxIter: 1000.' });
  }
}

/** The coded refusal of an iteration that did not reach its tolerance. */
export function notConverged(rule: string, what: string, maxIter: number, last: number, tol: number, slot?: string): RuleError {
  const diverged = !Number.isFinite(last);
  return new RuleError('not-converged', {
    rule,
    ...(slot === undefined ? {} : { slot }),
    message: diverged
      ? `${what} produced a non-finite value (${String(last)}) before converging.`
      : `${what} did not converge in ${maxIter} iterations: the last step was ${last.toExponential(3)}, the tolerance ${tol.toExponential(3)}.`,
    fix: 'Raise maxIter or loosen tol, start closer to the solution, or check that the iteration contracts there (|∂g/∂x| < 1 for a fixed point, a nonzero slope for a root).',
  });
}

/**
 * Iterates `x ← step(x)` until max |x_{k+1} − x_k| ≤ tol·scale, at most `maxIter` times; an
 * iteration that does not get there (or meets a non-finite value) is a `not-converged` RuleError.
 */
export function iterate(xp: Xp, x0: unknown, step: (x: unknown) => unknown, tol: number, maxIter: number, rule: string, what: string, slot?: string): { x: unknown; iterations: number } {
  let x = x0;
  let last = Number.POSITIVE_INFINITY;
  for (let k = 1; k <= maxIter; k++) {
    const next = step(x);
    last = distance(xp, next, x, rule);
    x = next;
    if (last <= tol) return { x, iterations: k };
    if (!Number.isFinite(last)) break;
  }
  throw notConverged(rule, what, maxIter, last, tol, slot);
}

/** The engine's pullback of `g` at `(x, params)`, or a coded refusal when the engine offers none. */
export function pullbackOf(cfg: RuleConfig, g: SolverFunction, x: unknown, params: unknown, rule: string): (cotangent: unknown) => unknown[] {
  if (cfg.rruleViaAd === undefined) {
    throw new RuleError('unsupported', {
      rule,
      message: `${rule}'s reverse rule differentiates its function through the engine (cfg.rruleViaAd), which the '${cfg.engine}' config does not offer.`,
      fix: 'Run it under an engine whose adapter provides rruleViaAd (TF.js, jax-js), or check it with @chainrules/testing (finite differences).',
    });
  }
  const [, pullback] = params === undefined ? cfg.rruleViaAd(g as never, x) : cfg.rruleViaAd(g as never, x, params);
  return pullback;
}

/** A tangent slot as a plain value for arithmetic (thunks evaluated; a zero stays a zero); a structured `Tangent` is refused. */
export function plain(cotangent: unknown, rule: string, slot: string): unknown {
  const t = unthunk(cotangent);
  if (isTangent(t)) {
    throw new RuleError('tangent-mismatch', {
      rule,
      slot,
      message: 'the engine returned a structured Tangent where a number or an array was expected: the iterate must be a number or an array.',
      fix: 'Make the function map a number or an array to the same kind.',
    });
  }
  return t;
}

/** `a + b` where either may be a zero. */
export function plus(xp: Xp, a: unknown, b: unknown): unknown {
  if (isZero(b)) return a;
  if (isZero(a)) return b;
  return typeof a === 'number' && typeof b === 'number' ? a + b : xp.add(a as never, b as never);
}
