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
 * made (and recorded) before the kernel ran.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError, isThunk, unthunk } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import type { RuleCall } from '@chainrules/core/adapter';
import { projectCotangent } from './project';
import { activeTape, gradientDepth, runRuleNode, saveOnNode, scopeTensors } from './internals';
import type { RuleNode } from './internals';
import { inBackward, noteFailure, watch } from './tape';

const OPTED_OUT = Symbol('opted out');

/** How a call's values split: inputs (float32 tensors), held tensors (other dtypes), the rest as they are. */
export interface CallValues {
  /** The positional arguments, then the differentiable option leaves' values. */
  readonly values: readonly unknown[];
  /** For each input, its index in `values`. */
  readonly inputAt: readonly number[];
  /** For each held tensor (int, bool: static, kept alive for the backward pass), its index in `values`. */
  readonly heldAt: readonly number[];
  /** The slot name of each value: `args[1]`, `kwargs.prior.mu`. */
  readonly slots: readonly string[];
}

/** The call's leaf values with inputs and held tensors replaced. */
function leafValues(plan: CallValues, inputs: readonly Tensor[], held: readonly Tensor[]): unknown[] {
  const values = [...plan.values];
  plan.inputAt.forEach((k, i) => (values[k] = inputs[i]));
  plan.heldAt.forEach((k, i) => (values[k] = held[i]));
  return values;
}

/**
 * Unthunks a cotangent. TF.js asks for each input's gradient inside a `tidy` of its own, which
 * would dispose what a thunk computed — yet a thunk remembers its value, and another slot's
 * thunk may read it later. So what the thunks compute is handed to the node's saved tensors
 * (`saved` is the node's own list), which TF.js disposes at the end of the gradient.
 */
function evaluate(tangent: unknown, saved: readonly Tensor[]): unknown {
  if (!isThunk(tangent)) return tangent;
  const scope = scopeTensors();
  const before = scope.length;
  const value = unthunk(tangent);
  const made = scope.slice(before).filter((t) => !t.isDisposed);
  made.forEach((t) => tf.keep(t));
  (saved as Tensor[]).push(...made);
  return value;
}

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
 * Records `call` on TF.js's tape as one node driven by its rrule, and returns the node's
 * output. `during` runs the rule's parts (the explicit `wrap` form installs the adapter for
 * them). Returns `call.primal()` when the rule opts out of this call (TF.js then
 * differentiates the plain function). Errors reach the caller; a tape they leave behind is
 * released (see `tape.ts`).
 */
export function recordCall(config: RuleConfig, call: RuleCall, plan: CallValues, during: <T>(f: () => T) => T = (f) => f()): unknown {
  const inputs = plan.inputAt.map((k) => plan.values[k] as Tensor);
  const original = plan.heldAt.map((k) => plan.values[k] as Tensor);
  const keep = gradientDepth() === 1;
  // Inner gradient: the backward pass recomputes from clones made here, with the tape on, so
  // that they stay connected to the inputs for the outer gradient.
  const recomputeFrom = keep ? [] : inputs.map((x) => tf.keep(tf.clone(x)));
  let pullback: ((cotangent: unknown) => readonly unknown[]) | undefined;
  let held: Tensor[] = [];
  let residuals: Tensor[] = [];

  const node: RuleNode = {
    forward() {
      return tf.tidy(() => {
        // Outermost gradient: the rule sees clones, so that what its pullback closes over
        // outlives the user's function (whose intermediates TF.js disposes before backprop).
        const xs = keep ? inputs.map((x) => tf.clone(x)) : inputs;
        held = original.map((h) => tf.clone(h));
        const result = call.rrule(config, leafValues(plan, xs, held));
        if (result === undefined) throw OPTED_OUT;
        const y = outputTensor(result[0], call.name);
        const out = tf.clone(y);
        if (keep) {
          pullback = result[1];
          residuals = scopeTensors().filter((t) => t !== out && !t.isDisposed);
        } else residuals = [...held];
        residuals.forEach((t) => tf.keep(t));
        return out;
      });
    },
    backward(dy, saved) {
      return inBackward(() => during(() => {
        try {
          const working = pullback ?? call.rrule(config, leafValues(plan, recomputeFrom, held))![1];
          const tangents = working(dy);
          const grads: Record<string, () => Tensor> = {};
          plan.inputAt.forEach((k, i) => {
            grads[i] = () =>
              inBackward(() =>
                during(() => {
                  try {
                    return projectCotangent(evaluate(tangents[k], saved), inputs[i]!, call.name, plan.slots[k]!);
                  } catch (error) {
                    noteFailure();
                    throw error;
                  }
                }),
              );
          });
          return grads;
        } catch (error) {
          noteFailure();
          throw error;
        }
      }));
    },
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
  const extras = [...recomputeFrom, ...residuals];
  if (saveOnNode(out, extras)) watch(activeTape()!);
  else extras.forEach((t) => t.dispose());
  return out;
}
