/*
 * `cfg.rruleViaAd` under TF.js: a rule (a solver's) asks TF.js for the pullback of a function
 * it was handed. The pullback runs the function again under a gradient of TF.js's engine each
 * time it is called, with ⟨ȳ, f(…)⟩ as the loss: TF.js disposes a tape when its gradient ends,
 * so a recording cannot be replayed for a second cotangent. Every float32 tensor and every
 * number among the arguments (records, lists and a trailing options object searched) is an
 * input; int tensors, strings and flags get `NoTangent`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { NoTangent, ZeroTangent, isZero, unthunk } from '@chainrules/core';
import { argumentInputs, leafTangents, treeLeaves } from '@chainrules/core/adapter';
import { withTapeAside } from './internals';

const RULE = 'rruleViaAd';

const isFloatTensor = (value: unknown): value is Tensor => value instanceof tf.Tensor && value.dtype === 'float32';

/**
 * `rruleViaAd(f, ...args)` → `[f(...args), pullback]`, `pullback(ȳ)` → `[NoTangent, ...x̄]`,
 * computed by TF.js's own gradients. The pullback may be called any number of times, in a
 * backward pass or outside any gradient; what it returns is the caller's (to dispose, or to
 * leave to the enclosing `tf.tidy`).
 *
 * @example
 * ```ts
 * const [y, pullback] = tfjsRruleViaAd((x: tf.Tensor, o: { c: tf.Tensor }) => tf.mul(x, o.c), tf.scalar(2), { c: tf.scalar(3) });
 * pullback(tf.scalar(1)); // [NoTangent, 3, Tangent { c: 2 }]
 * ```
 */
export function tfjsRruleViaAd(f: (...args: never[]) => unknown, ...args: unknown[]): readonly [unknown, (cotangent: unknown) => unknown[]] {
  const call = f as (...input: unknown[]) => unknown;
  // In a tidy: the function's intermediates go, its output (any tree of tensors) stays.
  const y = tf.tidy(() => call(...args) as tf.TensorContainer);
  const { inputs, withValues, tangents } = argumentInputs(args, (value): value is Tensor | number => isFloatTensor(value) || typeof value === 'number', RULE);

  const pullback = (cotangent: unknown): unknown[] => {
    const weights = leafTangents(y, cotangent, { rule: RULE, slot: 'output' }).map((w) => unthunk(w));
    const grads: unknown[] = inputs.map(() => ZeroTangent);
    if (inputs.length > 0 && !weights.every((w) => isZero(w))) {
      // A fresh tensor per input (numbers as scalars): a tensor passed twice gets a gradient per
      // slot, and — while an outer gradient records (second order) — the gradient is the partial
      // one: on the shared tape, an input computed from another input (x* from params, through
      // the solve), or a cotangent computed from the inputs, would otherwise add paths of its own.
      // The copy is recorded (an identity), so the outer gradient still reaches the input.
      const xs = inputs.map(({ value }) => (typeof value === 'number' ? tf.scalar(value) : tf.clone(value)));
      const made = xs;
      const loss = (): Tensor => {
        const outputs = treeLeaves(call(...withValues(xs)), { rule: RULE, slot: 'output' });
        let sum: Tensor = tf.scalar(0);
        outputs.forEach(({ value }, k) => {
          const w = weights[k];
          if (w === undefined || isZero(w) || !(value instanceof tf.Tensor)) return;
          sum = tf.add(sum, tf.sum(tf.mul(value, w as Tensor | number)));
        });
        return sum;
      };
      const connected: boolean[] = [];
      const computed = withTapeAside(() =>
        tf.tidy(() => {
          const { value, grads: gs } = tf.engine().gradients(loss, xs, undefined, true);
          value.dispose();
          gs.forEach((g) => connected.push(g != null));
          return gs.filter((g): g is Tensor => g != null);
        }),
      );
      made.forEach((t) => t.dispose());
      let next = 0;
      inputs.forEach(({ value }, k) => {
        if (!connected[k]) return;
        const g = computed[next++]!;
        if (typeof value === 'number') {
          grads[k] = g.dataSync()[0]!;
          g.dispose();
        } else grads[k] = g;
      });
    }
    return [NoTangent, ...tangents(grads)];
  };
  return [y, pullback] as const;
}
