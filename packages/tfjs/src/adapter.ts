import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError, hasRule } from '@chainrules/core';
import type { Adapter, AnyFunction } from '@chainrules/core';
import { findValue, ruleCallOf, withAdapter } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { tfjsConfig } from './config';
import { recordCall } from './ruleNode';
import type { During } from './ruleNode';
import { gradientDepth } from './internals';
import { isRecording, noteFailure } from './tape';
import { tfjsApi } from './tfjsApi';

declare module '@chainrules/core' {
  interface ArrayTypes {
    /** TensorFlow.js tensors (declared by `@chainrules/tfjs`). */
    tfjs: Tensor;
  }
}

const isFloatTensor = (value: unknown): value is Tensor => value instanceof tf.Tensor && value.dtype === 'float32';
const run: During = (f) => f();

/**
 * A call with tensors: its plain function outside a gradient; under one, a tape node driven by
 * its rrule, whose inputs are the float32 tensors among the call's leaves (other tensors are
 * held static).
 */
function invoke(call: RuleCall, during: During = run): unknown {
  if (!call.hasReverse) return call.primal(isRecording() ? 'rule-kind-missing' : 'not-differentiating');
  if (!isRecording()) return call.primal('not-differentiating');
  try {
    // A float32 tensor in a static option would get no gradient: say so instead.
    call.guardStatic(isFloatTensor, 'Mark the option kw.diff() in the rule’s schema, pass a plain value, or pass an int tensor (tf.cast(x, "int32")) if it is truly constant.');
    const inputAt: number[] = [];
    const heldAt: number[] = [];
    call.leaves.forEach(({ value, slot }, k) => {
      if (isFloatTensor(value)) inputAt.push(k);
      else if (value instanceof tf.Tensor) heldAt.push(k);
      else if (findValue(value, isFloatTensor, { rule: call.name, slot }) !== undefined) {
        throw new RuleError('unsupported', {
          rule: call.name,
          slot,
          message: 'a float32 tf.Tensor inside a class instance, a Map or a Set passed as an argument cannot be a TF.js gradient input, so it would get no gradient.',
          fix: 'Pass the tensor as its own positional argument, in a plain record or list, or as a field of the options (nested option records are supported).',
        });
      }
    });
    // Nothing to differentiate (only numbers and int tensors): TF.js records the plain function.
    if (inputAt.length === 0) return call.primal('no-engine-value');
    return recordCall(call, inputAt, heldAt, during);
  } catch (error) {
    noteFailure(); // the gradient is likely abandoned: its tape is released once it is
    throw error;
  }
}

/**
 * The TF.js adapter's type: core's `Adapter` over `tf.Tensor`, with its explicit form
 * {@link TfjsAdapter.wrap}.
 *
 * @example
 * ```ts
 * const adapter: TfjsAdapter = tfjsAdapter;
 * const explicitFoo = adapter.wrap(foo);
 * ```
 */
export interface TfjsAdapter extends Adapter<Tensor> {
  /**
   * `f` with its rule always handed to TF.js, installed or not (the adapter is installed for
   * the call and its backward pass when it is not): while a gradient is taken, its rrule drives
   * TF.js's tape; otherwise its plain function runs.
   * `f` must be a rule-aware function (from `defineRule`); `this` does not reach it.
   *
   * @example
   * ```ts
   * const fooOnTf = tfjsAdapter.wrap(foo);
   * tf.grads((a, b, c) => fooOnTf(a, b, { c }))([tf.scalar(2), tf.scalar(3), tf.scalar(3)]); // [9, 6, 6]
   * ```
   */
  wrap<F extends AnyFunction>(f: F): F;
}

/**
 * The TensorFlow.js adapter. Install it once (`installAdapter(tfjsAdapter)`); then a
 * rule-aware function called with tensors inside `tf.grad`, `tf.grads`, `tf.valueAndGrads`,
 * `tf.variableGrads` or an optimizer's `minimize` runs its rrule as TF.js's gradient: float32
 * tensors in the positional arguments and in differentiable option fields (nested records
 * too) are the inputs — each tensor of a plain record or list argument too; numbers, strings,
 * booleans and int tensors stay static. A rule may return a tuple or a record of tensors: one
 * tape node with one output per tensor. Outside any gradient the plain function runs and no
 * rule is called. Reverse mode only: TF.js has no
 * forward mode.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { installAdapter } from '@chainrules/core';
 * import { tfjsAdapter } from '@chainrules/tfjs';
 *
 * installAdapter(tfjsAdapter);
 * const g = tf.grads((a, b, c) => foo(a, b, { c }))([tf.scalar(2), tf.scalar(3), tf.scalar(3)]); // [9, 6, 6]
 * ```
 */
export const tfjsAdapter: TfjsAdapter = Object.freeze({
  name: 'tfjs',
  xp: tfjsApi,
  config: tfjsConfig,
  owns: (value: unknown): value is Tensor => value instanceof tf.Tensor,
  isDifferentiating: isRecording,
  differentiationDepth: gradientDepth,
  invoke: (call: RuleCall) => invoke(call),
  wrap<F extends AnyFunction>(f: F): F {
    if (!hasRule(f)) {
      throw new RuleError('invalid-rule', {
        message: `tfjsAdapter.wrap takes a rule-aware function, got ${typeof f === 'function' ? `the function '${f.name}', which has no rule` : typeof f}.`,
        fix: 'Pass the function defineRule returned.',
      });
    }
    const installed: During = (g) => withAdapter(tfjsAdapter, g);
    const wrapped = (...callArgs: unknown[]): unknown => installed(() => invoke(ruleCallOf(f, ...callArgs), installed));
    Object.defineProperty(wrapped, 'name', { value: f.name });
    return wrapped as F;
  },
});
