import { vjp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { NoTangent, RuleError, ZeroTangent, isRuleError, unthunk } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { projectTo } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { isJaxValue, jaxApi } from './jaxApi';
import { scoped, track } from './scope';

/** A call split into primal values and tangents, one per positional argument and differentiable option leaf. */
export interface Linearized {
  readonly primals: readonly unknown[];
  /** A jax value for each traced leaf, a zero otherwise. */
  readonly tangents: readonly unknown[];
}

/** Tangent of an untraced leaf: numbers and arrays are differentiable (zero), anything else has none. */
export const constantTangent = (value: unknown): unknown => (typeof value === 'number' || isJaxValue(value) ? ZeroTangent : NoTangent);

/**
 * Runs the call's rule on primal values and tangents: `[y, ẏ]`, both jax arrays of one shape
 * — or `undefined` when the call is opted out. With an frule, ẏ is the frule's tangent; with an
 * rrule alone, ẏ is the transpose of its pullback applied to the tangents (the pullback is
 * traced by jax-js's `vjp`, so it must be written with `xp`). Runs inside the caller's scope.
 */
export function forward(call: RuleCall, cfg: RuleConfig, lin: Linearized): readonly [JaxArray, JaxArray] | undefined {
  let y: JaxArray;
  let dy: unknown;
  if (call.hasForward) {
    const result = call.frule(cfg, lin.tangents, lin.primals);
    if (result === undefined) return undefined;
    y = asOutput(call, result[0]);
    dy = result[1];
  } else {
    const result = call.rrule(cfg, lin.primals);
    if (result === undefined) return undefined;
    y = asOutput(call, result[0]);
    dy = transposePullback(call, lin, y, result[1]);
  }
  const tangent = onJax(call, dy, 'output', "the frule returned a plain number as the output's tangent", 'Compute ẏ from the tangents with cfg.xp (add, scale and the xp operations), or return ZeroTangent.');
  return [y, projectTo(jaxApi, tangent, y, { rule: call.name, slot: 'output', as: 'tangent' })];
}

function asOutput(call: RuleCall, y: unknown): JaxArray {
  if (isJaxValue(y)) return y;
  if (typeof y === 'number') return jaxApi.asarray(y);
  throw new RuleError('unsupported', {
    rule: call.name,
    slot: 'output',
    message: 'the jax-js adapter runs rules whose output is one array; this rule returned something else.',
    fix: 'Return a single jax-js array (or a number) from the rule.',
  });
}

/**
 * A tangent or cotangent (unthunked), refused when it is a plain number: computed on numbers, it
 * has left jax-js, which cannot differentiate or transpose through it. The rest (zeros, shapes,
 * values of other kinds) is `projectTo`'s.
 */
function onJax(call: RuleCall, value: unknown, slot: string, what: string, fix: string): unknown {
  const v = unthunk(value);
  if (typeof v !== 'number') return v;
  throw new RuleError('tangent-mismatch', { rule: call.name, slot, message: `${what}, so jax-js cannot differentiate through it.`, fix });
}

/**
 * ẏ for an rrule-only call: the pullback, a linear map ȳ ↦ x̄, is traced by `vjp` and its
 * transpose applied to the tangents, which jax-js can transpose back for `grad`.
 */
function transposePullback(call: RuleCall, lin: Linearized, y: JaxArray, pullback: (cotangent: unknown) => unknown[]): JaxArray | typeof NoTangent {
  const moving = lin.tangents.flatMap((t, k) => (isJaxValue(t) ? [k] : []));
  if (moving.length === 0) return NoTangent;
  const cotangentsOf = (ybar: JaxArray): JaxArray[] => {
    let leaves: unknown[];
    try {
      leaves = pullback(ybar);
    } catch (error) {
      if (isRuleError(error)) throw error;
      throw new RuleError('unsupported', {
        rule: call.name,
        message: `the pullback threw while the adapter traced it with jax-js (${error instanceof Error ? error.message : String(error)}); a rule with only an rrule is served by tracing its pullback, so the pullback must compute with cfg.xp.`,
        fix: 'Write the pullback with cfg.xp (no .js(), dataSync(), Number(ȳ) or plain-number math on ȳ), or give the rule an frule.',
        cause: error,
      });
    }
    return moving.map((k) => {
      const { slot } = call.leaves[k]!;
      const fix = 'Write the pullback with cfg.xp (never .js(), dataSync() or plain-number math on ȳ), or return ZeroTangent.';
      const cotangent = onJax(call, leaves[k], slot, 'the pullback returned a plain number for a traced input (the adapter traces pullbacks)', fix);
      return projectTo(jaxApi, cotangent, lin.primals[k] as JaxArray, { rule: call.name, slot });
    });
  };
  // Scoped: the pullback's temporaries are disposed, its results move to jax-js's vjp.
  const [outs, back] = vjp((ybar: JaxArray) => scoped(() => cotangentsOf(ybar), (cts) => cts), [np.zerosLike(y.ref)]);
  try {
    for (const o of outs) o.dispose();
    const [dy] = back(moving.map((k) => (lin.tangents[k] as JaxArray).ref)) as JaxArray[];
    return track(dy!);
  } finally {
    back.dispose();
  }
}
