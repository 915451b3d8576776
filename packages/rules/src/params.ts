import { RuleError, Tangent, isRuleError } from '@chainrules/core';
import type { Differentiable, DifferentiableTree } from '@chainrules/core';
import type { Xp } from './shapes';

/*
 * A solver's `params`: a number, an array, or plain records and lists of them (`kw.tree()`).
 */

/** A plain record (a literal or `Object.create(null)`), as `kw.tree()` takes them. */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A tangent of ones shaped like `params` (a `Tangent` of the same shape for a record or a list): the direction the forward rules probe with. */
export function onesLikeTree(xp: Xp, params: DifferentiableTree): unknown {
  if (typeof params === 'number') return 1;
  if (Array.isArray(params)) return new Tangent((params as readonly DifferentiableTree[]).map((leaf) => onesLikeTree(xp, leaf)) as never);
  if (isRecord(params)) {
    const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, leaf] of Object.entries(params)) fields[key] = onesLikeTree(xp, leaf as DifferentiableTree);
    return new Tangent(fields);
  }
  return xp.onesLike(params as Differentiable as never);
}

/** The leaves of `params` (numbers and arrays), for `namespaceOf`. */
export function paramLeaves(params: unknown): unknown[] {
  if (Array.isArray(params)) return params.flatMap(paramLeaves);
  if (isRecord(params)) return Object.values(params).flatMap(paramLeaves);
  return [params];
}

/** True when the engine can read `value` on the host (a concrete value, not one it is tracing). */
function readable(xp: Xp, value: unknown): boolean {
  if (typeof value === 'number') return true;
  try {
    xp.toNumber!(xp.max(xp.abs(value as never)));
    return true;
  } catch (error) {
    if (isRuleError(error)) return false;
    throw error;
  }
}

/**
 * Runs a solve. A solve that meets a value the engine cannot read (`unsupported`, from the
 * engine's namespace) is refused by the solver's name: while `x0` and every leaf of `params` can
 * be read, the value came from the function's own result — the function closes over a value the
 * engine is tracing (jax-js under `grad` or `jvp`), whose derivative the rule would not see
 * (`differentiable-in-static`, fix: pass it in params); otherwise the engine traces the inputs
 * themselves (jit, vmap, a second derivative) and the loop cannot stop on their values
 * (`unsupported`). Any other error passes through as it is.
 */
export function solving<T>(xp: Xp, rule: string, x0: unknown, params: unknown, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (!isRuleError(error) || error.code !== 'unsupported' || xp.toNumber === undefined || error.rule === rule) throw error;
    if (![x0, ...paramLeaves(params)].every((value) => readable(xp, value))) {
      throw new RuleError('unsupported', {
        rule,
        message: `${rule} decides when to stop from the values of its iterates, and the engine is tracing x0 or params, whose values it does not know (jax-js under jit or vmap, or a derivative of a derivative).`,
        fix: 'Call the solver outside jit and vmap, and differentiate it once; a second derivative through a solver is available under TF.js, or by finite differences of the gradient.',
        cause: error,
      });
    }
    throw new RuleError('differentiable-in-static', {
      rule,
      slot: 'args[0]',
      message: "the function's result is a value the engine is tracing, though x0 and params are not: the function closes over a value the engine differentiates, and the rule, which differentiates the function through its arguments only, would give it no derivative.",
      fix: "Pass that value in params (the function's second argument) instead of closing over it.",
      cause: error,
    });
  }
}
