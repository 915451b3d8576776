import { vjp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { NoTangent, RuleError, ZeroTangent, isRuleError, isZero, projectTo, unthunk } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import type { RuleCall } from '@chainrules/core/adapter';
import { isJaxValue, jaxApi } from './jaxApi';
import { scoped, track } from './scope';
import { broadcastUp } from './shapes';

/** A call split into primal values and tangents, one per positional argument and differentiable option leaf. */
export interface Linearized {
  readonly primals: readonly unknown[];
  /** A jax value for each traced leaf, a zero otherwise. */
  readonly tangents: readonly unknown[];
}

/** Tangent of an untraced leaf: numbers and arrays are differentiable (zero), anything else has none. */
export const constantTangent = (value: unknown): unknown => (typeof value === 'number' || isJaxValue(value) ? ZeroTangent : NoTangent);

/** The slot name of leaf `k`: `args[i]` or `kwargs.<path>`. */
export function slotOf(call: RuleCall, k: number): string {
  return call.leaves[k]!.slot;
}

/**
 * Runs the call's rule on primal values and tangents: `[y, ẏ]`, both jax arrays of one shape
 * — or `undefined` when the call is opted out. With an frule, ẏ is the frule's tangent; with an
 * rrule alone, ẏ is the transpose of its pullback applied to the tangents (the pullback is
 * traced by jax-js's `vjp`, so it must be written with `xp`). Runs inside the caller's scope.
 */
export function forward(call: RuleCall, cfg: RuleConfig, lin: Linearized): readonly [JaxArray, JaxArray] | undefined {
  let y: unknown;
  let dy: unknown;
  if (call.hasForward) {
    const result = call.frule(cfg, lin.tangents, lin.primals);
    if (result === undefined) return undefined;
    [y, dy] = result;
  } else {
    const result = call.rrule(cfg, lin.primals);
    if (result === undefined) return undefined;
    y = result[0];
    dy = transposePullback(call, lin, asOutput(call, y), result[1]);
  }
  const out = asOutput(call, y);
  return [out, asTangent(call, unthunk(dy), out)];
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

function asTangent(call: RuleCall, dy: unknown, y: JaxArray): JaxArray {
  if (isZero(dy)) return jaxApi.zerosLike(y);
  if (isJaxValue(dy)) return broadcastUp(dy, y.shape, call.name, 'output');
  throw new RuleError('tangent-mismatch', {
    rule: call.name,
    slot: 'output',
    message: `the frule returned ${typeof dy === 'number' ? 'a plain number' : 'a non-array value'} as the output's tangent, so jax-js cannot differentiate through it.`,
    fix: 'Compute ẏ from the tangents with cfg.xp (add, scale and the xp operations), or return ZeroTangent.',
  });
}

/**
 * ẏ for an rrule-only call: the pullback, a linear map ȳ ↦ x̄, is traced by `vjp` and its
 * transpose applied to the tangents, which jax-js can transpose back for `grad`.
 */
function transposePullback(call: RuleCall, lin: Linearized, y: JaxArray, pullback: (cotangent: unknown) => unknown): JaxArray | typeof NoTangent {
  const traced = lin.tangents.flatMap((t, k) => (isJaxValue(t) ? [k] : []));
  if (traced.length === 0) return NoTangent;
  // Scoped: the pullback's temporaries are disposed, its results move to jax-js's vjp.
  const cotangents = (ybar: JaxArray): JaxArray[] => scoped(() => cotangentsOf(ybar), (cts) => cts, isJaxValue);
  const cotangentsOf = (ybar: JaxArray): JaxArray[] => {
    let slots: unknown;
    try {
      slots = pullback(ybar);
    } catch (error) {
      if (isRuleError(error)) throw error;
      throw new RuleError('unsupported', {
        rule: call.name,
        message: `the pullback threw while the adapter traced it with jax-js (${error instanceof Error ? error.message : String(error)}); a rule with only an rrule is served by tracing its pullback, so the pullback must compute with cfg.xp.`,
        fix: 'Write the pullback with cfg.xp (no .js(), dataSync(), Number(ȳ) or plain-number math on ȳ), or give the rule an frule.',
        cause: error,
      });
    }
    const leaves = slots as unknown[];
    return traced.map((k) => cotangentFor(call, k, unthunk(leaves[k]), lin.primals[k] as JaxArray));
  };
  const [outs, back] = vjp(cotangents, [np.zerosLike(y.ref)]);
  try {
    for (const o of outs) o.dispose();
    const [dy] = back(traced.map((k) => (lin.tangents[k] as JaxArray).ref)) as JaxArray[];
    return track(dy!);
  } finally {
    back.dispose();
  }
}

function cotangentFor(call: RuleCall, k: number, slot: unknown, primal: JaxArray): JaxArray {
  if (isZero(slot)) return jaxApi.zerosLike(primal);
  if (isJaxValue(slot)) return projectTo(jaxApi, slot, primal, { rule: call.name, slot: slotOf(call, k) }) as JaxArray;
  throw new RuleError('tangent-mismatch', {
    rule: call.name,
    slot: slotOf(call, k),
    message: `the pullback returned ${typeof slot === 'number' ? 'a plain number' : 'a non-array value'} for a traced input; the jax-js adapter traces pullbacks, so they must compute with jax-js arrays.`,
    fix: 'Write the pullback with cfg.xp (never .js(), dataSync() or plain-number math on ȳ), or return ZeroTangent.',
  });
}
