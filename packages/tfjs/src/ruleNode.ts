/*
 * A rule-aware call while TF.js records: one tape node whose forward is the rrule and whose
 * gradient is its pullback — like `tf.customGrad`, but TF.js asks its gradient one input at a
 * time, so a cotangent nobody needs is never projected (nor computed, when the rule returns
 * it as a thunk).
 *
 * Residuals: in the outermost gradient (depth 1) the rrule's pullback is kept with the
 * tensors it closes over, and those are handed to the tape node's saved tensors, which TF.js
 * disposes at the end of the gradient. In an inner gradient (depth ≥ 2, higher order) the
 * forward runs with the tape off, so its residuals would be constants to the outer gradient:
 * there the rrule runs again in the backward pass, with the tape on, on clones of the inputs
 * made (and recorded) before the node ran.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError, isThunk, unthunk } from '@chainrules/core';
import { projectTo } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { tfjsConfig } from './config';
import { activeTape, endsWithForward, gradientDepth, madeAfter, runRuleNode, saveOnNode, scopeTensors } from './internals';
import type { RuleNode } from './internals';
import { inBackward, noteFailure, watch } from './tape';
import { tfjsApi } from './tfjsApi';

/** Runs a part of the rule (the explicit `wrap` form installs the adapter around it). */
export type During = <T>(f: () => T) => T;

const OPTED_OUT = Symbol('opted out');

/** A rule's output as a float32 tensor (a plain number becomes a scalar). */
function outputTensor(y: unknown, rule: string): Tensor {
  if (y instanceof tf.Tensor) return y.dtype === 'float32' ? y : tf.cast(y, 'float32');
  if (typeof y === 'number') return tf.scalar(y, 'float32');
  throw new RuleError('unsupported', {
    rule,
    slot: 'output',
    message: 'the rrule returned something other than one tensor or number; a TF.js tape node has one tensor output here.',
    fix: 'Return a single tf.Tensor (split a multi-output function into one rule per output).',
  });
}

/**
 * A cotangent, unthunked and projected by `project`. TF.js asks for each input's gradient
 * inside a `tidy` of its own, which would dispose what a thunk computed — yet a thunk remembers
 * its value, and another slot's thunk may read it later. So what the thunk computed is kept and
 * handed to the node's saved tensors (which TF.js disposes at the end of the gradient), but for
 * the cotangent itself when it is handed to TF.js as it is and the node's inputs are distinct
 * tensors (`distinct`): TF.js disposes a gradient it was handed only when the same input gets
 * another one, which then comes from another node, after this one's thunks have run.
 */
function cotangentOf(tangent: unknown, saved: Tensor[], distinct: boolean, project: (g: unknown) => Tensor): Tensor {
  if (!isThunk(tangent)) return project(tangent);
  const scope = scopeTensors();
  const before = scope.length;
  const value = unthunk(tangent);
  let madeValue = false;
  for (let j = before; j < scope.length; j++) {
    const made = scope[j]!;
    if (made === value) madeValue = true;
    if (!made.isDisposed && (made !== value || !distinct)) saved.push(tf.keep(made));
  }
  const out = project(value);
  if (madeValue && distinct && out !== value) saved.push(tf.keep(value as Tensor));
  return out;
}

const disposed = (rule: string, slot: string): RuleError =>
  new RuleError('disposed', {
    rule,
    slot,
    message: 'the cotangent tensor was disposed before TF.js could use it.',
    fix: 'Do not dispose tensors a pullback returns, and do not return tensors from an inner tf.tidy.',
  });

/**
 * The `finish` of a projection: a cotangent as TF.js's backprop takes it — float32, and a
 * tensor TF.js may dispose (it does, when it adds the next gradient for the same input).
 * When the node's inputs are distinct tensors, a tensor the pullback made in this backward pass
 * is handed over as it is; a copy is handed for anything else: the incoming cotangent, a tensor
 * kept for later (a residual, a thunk's value), one made before this backward pass, one already
 * handed for another input — and for everything when one tensor is two of the node's inputs.
 */
function handOver(dy: Tensor, distinct: boolean): (g: Tensor) => Tensor {
  const handed = new Set<Tensor>();
  return (g) => {
    if (g.dtype !== 'float32') return tf.cast(g, 'float32');
    const owned = !distinct || g === dy || g.kept || !madeAfter(g, dy) || handed.has(g) ? tf.clone(g) : g;
    handed.add(owned);
    return owned;
  };
}

/**
 * Records `call` on TF.js's tape as one node driven by its rrule, and returns the node's
 * output. `inputAt` are the leaves that are float32 tensors (the node's inputs), `heldAt` the
 * leaves that are other tensors (static, kept alive for the backward pass). Returns
 * `call.primal()` when the rule opts out of this call (TF.js then differentiates the plain
 * function). Errors reach the caller; a tape they leave behind is released (see `tape.ts`).
 */
export function recordCall(call: RuleCall, inputAt: readonly number[], heldAt: readonly number[], during: During): unknown {
  const leaves = call.leaves;
  const inputs = inputAt.map((k) => leaves[k]!.value as Tensor);
  const keep = gradientDepth() === 1;
  // Inner gradient: the backward pass recomputes from clones made here, with the tape on, so
  // that they stay connected to the inputs for the outer gradient.
  const recomputeFrom = keep ? [] : inputs.map((x) => tf.keep(tf.clone(x)));
  const distinct = inputs.every((x, i) => inputs.indexOf(x) === i);
  /** The leaf values with the inputs and held tensors replaced (`undefined`: the call's own). */
  const at = (xs: readonly Tensor[], held: readonly Tensor[]): unknown[] | undefined => {
    if (held.length === 0 && xs.every((x, i) => x === inputs[i])) return undefined;
    const values = leaves.map((leaf) => leaf.value);
    inputAt.forEach((k, i) => (values[k] = xs[i]));
    heldAt.forEach((k, i) => (values[k] = held[i]));
    return values;
  };
  /** Runs a part of the backward pass; an error leaving it marks the gradient as failed. */
  const step = <T>(f: () => T): T =>
    inBackward(() =>
      during(() => {
        try {
          return f();
        } catch (error) {
          noteFailure();
          throw error;
        }
      }),
    );
  let pullback: ((cotangent: unknown) => unknown[]) | undefined;
  let held: Tensor[] = [];
  let residuals: Tensor[] = [];

  const node: RuleNode = {
    // Runs in a scope of its own: what it made and did not keep is disposed when it returns.
    forward() {
      // Outermost gradient: what the pullback closes over must outlive the user's function,
      // whose intermediates TF.js disposes before backprop: the rule sees clones of those.
      const xs = keep ? inputs.map((x) => (endsWithForward(x) ? tf.clone(x) : x)) : inputs;
      held = heldAt.map((k) => tf.clone(leaves[k]!.value as Tensor));
      const result = call.rrule(tfjsConfig, at(xs, held));
      if (result === undefined) throw OPTED_OUT;
      const out = tf.clone(outputTensor(result[0], call.name));
      if (keep) {
        pullback = result[1];
        residuals = scopeTensors().filter((t) => t !== out && !t.isDisposed);
      } else residuals = held;
      residuals.forEach((t) => tf.keep(t));
      return out;
    },
    backward: (dy, saved) =>
      step(() => {
        const cotangents = (pullback ?? call.rrule(tfjsConfig, at(recomputeFrom, held))![1])(dy);
        const finish = handOver(dy, distinct);
        const grads: Record<string, () => Tensor> = {};
        inputAt.forEach((k, i) => {
          const options = { rule: call.name, slot: leaves[k]!.slot, finish };
          const project = (g: unknown): Tensor => {
            if (g instanceof tf.Tensor && g.isDisposed) throw disposed(call.name, options.slot);
            return projectTo(tfjsApi, g, inputs[i]!, options);
          };
          grads[i] = () => step(() => cotangentOf(cotangents[k], saved, distinct, project));
        });
        return grads;
      }),
  };

  let out: Tensor;
  try {
    out = runRuleNode(inputs, node);
  } catch (error) {
    recomputeFrom.forEach((t) => t.dispose());
    if (error === OPTED_OUT) return call.primal();
    noteFailure();
    throw error;
  }
  const extras = recomputeFrom.length === 0 ? residuals : [...recomputeFrom, ...residuals];
  if (saveOnNode(out, extras)) watch(activeTape()!);
  else extras.forEach((t) => t.dispose());
  return out;
}
