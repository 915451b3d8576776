import { NoTangent, RuleError, isTangent, isZero, unthunk } from '@chainrules/core';
import type { RuleConfig, Scoped } from '@chainrules/core';
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

const noop = (): void => {};

/**
 * `body()` in `xp.scope` where the engine has one (what it made but did not return is freed at
 * once, and `release()` frees the rest later); as it is where memory is garbage collected.
 */
export function inScope<T>(xp: Xp, body: () => T): Scoped<T> {
  return xp.scope === undefined ? { value: body(), release: noop } : xp.scope(body);
}

/** The longest run of iterations between two convergence tests, and its bound as a fraction of the iterations so far. */
const MAX_GAP = 8;
const GAP_FRACTION = 4;

/**
 * How many iterations to run before the next convergence test, from the last two measured steps
 * (`d` at iteration `k`, `before` at an earlier one): where they shrink geometrically, about as
 * many as that rate needs to reach `tol` — at most a quarter of the iterations so far (so a poor
 * estimate costs at most a quarter more iterations) and `MAX_GAP`; 1 otherwise.
 */
export function testGap(k: number, d: number, before: { k: number; d: number } | undefined, tol: number): number {
  if (before === undefined || !(d < before.d) || !(d > 0)) return 1;
  const rate = (d / before.d) ** (1 / (k - before.k));
  const needed = Math.ceil(Math.log(tol / d) / Math.log(rate));
  return Math.max(1, Math.min(needed, MAX_GAP, Math.floor(k / GAP_FRACTION)));
}

/**
 * Iterates `x ← step(x)` until max |x_{k+1} − x_k| ≤ tol, at most `maxIter` times; an iteration
 * that does not get there (or meets a non-finite value) is a `not-converged` RuleError. The step
 * is tested at the first iterations, then as often as the observed rate of convergence says it
 * may have got there (see {@link testGap}), and always at `maxIter`: the result is an iterate
 * whose step was at most `tol`, sometimes a few iterations past the first such. Each iteration
 * runs in `xp.scope`, and an iterate is released once its successor is computed, so the memory
 * held does not grow with the iterations (the first iterate, `x0`, is never released).
 */
export function iterate(xp: Xp, x0: unknown, step: (x: unknown) => unknown, tol: number, maxIter: number, rule: string, what: string, slot?: string): { x: unknown; iterations: number } {
  let x = x0;
  let releaseX = noop;
  let last = Number.POSITIVE_INFINITY;
  let before: { k: number; d: number } | undefined;
  let testAt = 1;
  for (let k = 1; k <= maxIter; k++) {
    const test = k >= testAt || k === maxIter;
    const { value, release } = inScope(xp, () => {
      const next = step(x);
      return [next, test ? distance(xp, next, x, rule) : 0] as const;
    });
    const [next, d] = value;
    // A step that returned its input made nothing new: `x` is still the live iterate.
    if (next !== x) {
      releaseX();
      releaseX = release;
    }
    x = next;
    if (!test) continue;
    last = d;
    if (last <= tol) return { x, iterations: k };
    if (!Number.isFinite(last)) break;
    testAt = k + testGap(k, last, before, tol);
    before = { k, d: last };
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

/**
 * The engine's pushforward of `g` at `(x, params)`: `push(ẋ, ṗ)` = (∂g/∂x)ẋ + (∂g/∂params)ṗ, from
 * `cfg.fruleViaAd`, or a coded refusal when the engine offers none (the forward twin of
 * {@link pullbackOf}).
 */
export function pushforwardOf(cfg: RuleConfig, g: SolverFunction, x: unknown, params: unknown, rule: string): (xdot: unknown, pdot: unknown) => unknown {
  const fruleViaAd = cfg.fruleViaAd;
  if (fruleViaAd === undefined) {
    throw new RuleError('unsupported', { rule, message: `${rule}'s forward rule differentiates its function through the engine (cfg.fruleViaAd), which the '${cfg.engine}' config does not offer.`, fix: 'Use reverse mode, or an engine with forward mode (jax-js).' });
  }
  return (xdot, pdot) => plain(fruleViaAd([NoTangent, xdot, pdot], g as never, x, params)[1], rule, 'output');
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
