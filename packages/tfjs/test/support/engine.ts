import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import type { ConformanceEngine } from '@chainrules/testing/conformance';
import { releaseAbandonedTapes, tfjsAdapter } from '../../src/index';

/** Reads a tensor (bool tensors as 0 and 1). */
export const read = (x: tf.Tensor): { shape: number[]; data: number[] } => ({ shape: x.shape, data: Array.from(x.dataSync()) });

/** TF.js as the conformance suite drives it, with a leak check on `tf.memory().numTensors`. */
export const tfjsEngine: ConformanceEngine<tf.Tensor> = {
  adapter: tfjsAdapter,
  array: (value) => tf.tensor(value as number | number[], undefined, 'float32'),
  read,
  dispose: (x) => x.dispose(),
  grads: (f) => (...xs) => tf.grads((...ys: tf.Tensor[]) => f(...ys))(xs),
  around: () => {
    const before = tf.memory().numTensors;
    // A plain function run outside any gradient leaks its intermediates exactly as the same
    // TF.js ops would outside tf.tidy: a scope around the case disposes those (and any
    // untracked tensor), so what the check sees is what the adapter kept (tf.keep), which is
    // where a leak of the adapter would be.
    tf.engine().startScope();
    return () => {
      tf.engine().endScope();
      releaseAbandonedTapes();
      expect(tf.memory().numTensors, 'tensors alive after the case').toBe(before);
      expect(tfjsAdapter.isDifferentiating?.(), 'the engine is idle').toBe(false);
    };
  },
};
