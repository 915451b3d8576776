import { numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { NoTangent, RuleError, ZeroTangent, isRuleError, unthunk } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { leafTangents, projectTo, treeTangent } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { isJaxValue, jaxApi } from './jaxApi';
import { noTangentFor, outputOf } from './output';
import type { OutputLeaf } from './output';
import { vjpClosed } from './internals';
import { scoped, track } from './scope';

/** A call split into primal values and tangents, one per positional argument and differentiable option leaf. */
export interface Linearized {
  readonly primals: readonly unknown[];
  /** A jax value for each traced leaf, a zero otherwise. */
  readonly tangents: readonly unknown[];
}

/** Tangent of an untraced leaf: numbers and arrays are differentiable (zero), anything else has none. */
export const constantTangent = (value: unknown): unknown => (typeof value === 'number' || isJaxValue(value) ? ZeroTangent : NoTangent);

/** What the rule gave for a call: its output, and for each output leaf its tangent (`undefined`: a leaf with no derivative). */
export interface Forwarded {
  /** The output as the rule returned it: one array, or a tuple or a record of outputs. */
  readonly tree: unknown;
  /** Its leaves (in the order of `treeLeaves`), each with its tangent, a jax array at its shape. */
  readonly leaves: readonly { readonly value: unknown; readonly tangent: JaxArray | undefined }[];
}

/** The values a {@link Forwarded} holds: what a scope keeps of it. */
export const heldBy = (result: Forwarded | undefined): unknown[] => (result === undefined ? [] : result.leaves.flatMap((leaf) => [leaf.value, leaf.tangent]));

/**
 * Runs the call's rule on primal values and tangents: its output — one array, or a tuple or a
 * record of outputs — with a tangent for each float output leaf, or `undefined` when the call
 * is opted out. With an frule, the tangents are its ẏ read leaf by leaf; with an rrule alone,
 * they are the transpose of its pullback applied to the tangents (the pullback is traced by
 * jax-js's `vjp`, so it must be written with `xp`). Outputs with no derivative (integer or
 * boolean arrays, plain values in a tree) get no tangent: an frule must give them a zero, a
 * pullback gets `NoTangent` for them. Runs inside the caller's scope.
 */
export function forward(call: RuleCall, cfg: RuleConfig, lin: Linearized): Forwarded | undefined {
  if (call.hasForward) {
    const result = call.frule(cfg, lin.tangents, lin.primals);
    if (result === undefined) return undefined;
    const { tree, leaves } = outputOf(call, result[0]);
    const dys = leafTangents(tree, result[1], { rule: call.name, slot: 'output' });
    return {
      tree,
      leaves: leaves.map((leaf, j) => {
        if (!leaf.differentiable) {
          noTangentFor(call, leaf, dys[j]);
          return { value: leaf.value, tangent: undefined };
        }
        const fix = 'Compute ẏ from the tangents with cfg.xp (add, scale and the xp operations), or return ZeroTangent.';
        const tangent = onJax(call, dys[j], leaf.slot, "the frule returned a plain number as the output's tangent", fix);
        return { value: leaf.value, tangent: projectTo(jaxApi, tangent, leaf.value as JaxArray, { rule: call.name, slot: leaf.slot, as: 'tangent' }) };
      }),
    };
  }
  const result = call.rrule(cfg, lin.primals);
  if (result === undefined) return undefined;
  const { tree, leaves } = outputOf(call, result[0]);
  const dys = transposePullback(call, lin, tree, leaves, result[1]);
  return { tree, leaves: leaves.map((leaf, j) => ({ value: leaf.value, tangent: dys[j] })) };
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
 * The tangents of the output leaves of an rrule-only call: its pullback, a linear map ȳ ↦ x̄,
 * is traced by `vjp` — ȳ the output's `Tangent`, a traced array for each float leaf and
 * `NoTangent` for the leaves with no derivative — and its transpose is applied to the tangents,
 * which jax-js can transpose back for `grad`. The pullback is traced here, in the forward pass,
 * before anything downstream of the call exists, so it gets a traced ȳ for every float output;
 * jax-js leaves out of its backward pass the part of the traced map that no result reads.
 * `undefined` for the leaves with no derivative.
 */
function transposePullback(call: RuleCall, lin: Linearized, tree: unknown, outputs: readonly OutputLeaf[], pullback: (cotangent: unknown) => unknown[]): (JaxArray | undefined)[] {
  const moving = lin.tangents.flatMap((t, k) => (isJaxValue(t) ? [k] : []));
  const floats = outputs.flatMap((leaf, j) => (leaf.differentiable ? [j] : []));
  if (moving.length === 0 || floats.length === 0) return outputs.map((leaf) => (leaf.differentiable ? projectTo(jaxApi, ZeroTangent, leaf.value as JaxArray) : undefined));
  const cotangentsOf = (ybars: readonly JaxArray[]): JaxArray[] => {
    const perLeaf: unknown[] = outputs.map(() => NoTangent);
    floats.forEach((j, i) => (perLeaf[j] = ybars[i]));
    let leaves: unknown[];
    try {
      leaves = pullback(treeTangent(tree, perLeaf));
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
  const at = floats.map((j) => np.zerosLike((outputs[j]!.value as JaxArray).ref));
  const [outs, back] = vjpClosed((...ybars: JaxArray[]) => scoped(() => cotangentsOf(ybars), (cts) => cts), at);
  try {
    for (const o of outs) o.dispose();
    const dys = back(moving.map((k) => (lin.tangents[k] as JaxArray).ref));
    const out: (JaxArray | undefined)[] = outputs.map(() => undefined);
    floats.forEach((j, i) => (out[j] = track(dys[i]!)));
    return out;
  } finally {
    back.dispose();
  }
}
