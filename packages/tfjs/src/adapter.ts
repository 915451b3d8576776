import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError, hasRule, ruleConfig } from '@chainrules/core';
import type { Adapter, AnyFunction, RuleConfig } from '@chainrules/core';
import { findValue, ruleCallOf, withAdapter } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { recordCall } from './ruleKernel';
import type { CallValues } from './ruleKernel';
import { isRecording, noteFailure } from './tape';
import { tfjsApi } from './tfjsApi';

declare module '@chainrules/core' {
  interface ArrayTypes {
    /** TensorFlow.js tensors (declared by `@chainrules/tfjs`). */
    tfjs: Tensor;
  }
}

const isFloatTensor = (value: unknown): value is Tensor => value instanceof tf.Tensor && value.dtype === 'float32';
const forwardUnsupported = (): never => {
  throw new RuleError('unsupported', {
    message: 'TensorFlow.js has no forward mode (no jvp), so cfg.fruleViaAd cannot run under the tfjs adapter.',
    fix: 'Write the rule as an rrule (reverse mode), or run it under an engine with forward mode (the jax-js adapter).',
  });
};

/**
 * The `RuleConfig` rules get under TF.js: `xp` is {@link tfjsApi}, reverse mode only.
 * `fruleViaAd` exists only to say why it cannot work: calling it is a `RuleError`
 * (`unsupported`).
 *
 * @example
 * ```ts
 * import { rrule } from '@chainrules/core';
 * import { tfjsConfig } from '@chainrules/tfjs';
 *
 * const [y, pullback] = rrule(tfjsConfig, foo, tf.scalar(2), tf.scalar(3))!;
 * ```
 */
export const tfjsConfig: RuleConfig<Tensor> = ruleConfig<Tensor>({
  xp: tfjsApi,
  engine: 'tfjs',
  canReverse: true,
  canForward: false,
  fruleViaAd: forwardUnsupported,
});

/** Splits a call's values into TF.js inputs and static values, or throws naming the slot that cannot work. */
function planCall(call: RuleCall): CallValues {
  // A float32 tensor in a static option would get no gradient: say so instead.
  call.guardStatic(isFloatTensor, 'Mark the option kw.diff() in the rule’s schema, pass a plain value, or pass an int tensor (tf.cast(x, "int32")) if it is truly constant.');
  const values = call.leaves.map((leaf) => leaf.value);
  const slots = call.leaves.map((leaf) => leaf.slot);
  const inputAt: number[] = [];
  const heldAt: number[] = [];
  values.forEach((value, k) => {
    if (isFloatTensor(value)) inputAt.push(k);
    else if (value instanceof tf.Tensor) heldAt.push(k);
    else if (findValue(value, isFloatTensor, { rule: call.name, slot: slots[k] }) !== undefined) {
      throw new RuleError('unsupported', {
        rule: call.name,
        slot: slots[k],
        message: 'a float32 tf.Tensor inside a container argument (a list, a record, a class instance, a Map or a Set) cannot be a TF.js gradient input, so it would get no gradient.',
        fix: 'Pass the tensor as its own positional argument, or as a field of the options (nested option records are supported).',
      });
    }
  });
  return { values, inputAt, heldAt, slots };
}

function invoke(call: RuleCall, during?: <T>(f: () => T) => T): unknown {
  if (!isRecording() || !call.hasReverse) return call.primal();
  try {
    const plan = planCall(call);
    // Nothing to differentiate (only numbers and int tensors): TF.js records the plain function.
    if (plan.inputAt.length === 0) return call.primal();
    return recordCall(tfjsConfig, call, plan, during);
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
 * too) are the inputs; numbers, strings, booleans and int tensors stay static. Outside any
 * gradient the plain function runs and no rule is called. Reverse mode only: TF.js has no
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
  invoke,
  wrap<F extends AnyFunction>(f: F): F {
    if (!hasRule(f)) {
      throw new RuleError('invalid-rule', {
        message: `tfjsAdapter.wrap takes a rule-aware function, got ${typeof f === 'function' ? `the function '${f.name}', which has no rule` : typeof f}.`,
        fix: 'Pass the function defineRule returned.',
      });
    }
    const installed = <T>(g: () => T): T => withAdapter(tfjsAdapter, g);
    const wrapped = (...callArgs: unknown[]): unknown => installed(() => invoke(ruleCallOf(f, ...callArgs), installed));
    Object.defineProperty(wrapped, 'name', { value: f.name });
    return wrapped as F;
  },
});
