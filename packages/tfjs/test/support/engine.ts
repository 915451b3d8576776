import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { treeLeaves, treeWith } from '@chainrules/core/adapter';
import type { ConformanceEngine } from '@chainrules/testing/conformance';
import { releaseAbandonedTapes, tfjsAdapter } from '../../src/index';

/** Reads a tensor (bool tensors as 0 and 1). */
export const read = (x: tf.Tensor): { shape: number[]; data: number[] } => ({ shape: x.shape, data: Array.from(x.dataSync()) });

/**
 * The backend's own accounting: the data buffers it holds (`numDataIds`, which on webgpu leaves
 * out buffers already disposed and waiting for the queue to be submitted) and, on webgl, the
 * bytes its textures hold for live tensors.
 */
const backendHolds = (): { dataIds: number; textureBytes: number | undefined } => ({
  dataIds: tf.backend().numDataIds(),
  textureBytes: tf.getBackend() === 'webgl' ? (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU : undefined,
});

/** TF.js as the conformance suite drives it, with leak checks: live tensors (`tf.memory().numTensors`) and the backend's own accounting. */
export const tfjsEngine: ConformanceEngine<tf.Tensor> = {
  adapter: tfjsAdapter,
  array: (value) => tf.tensor(value as number | number[], undefined, 'float32'),
  read,
  dispose: (x) => x.dispose(),
  grads: (f) => (...xs) => tf.grads((...ys: tf.Tensor[]) => f(...ys))(xs),
  // TF.js has no tree gradients: the tree's tensors through tf.grads, put back in its shape.
  gradTree: (f) => (tree) => {
    const leaves = treeLeaves(tree).map((leaf) => leaf.value as tf.Tensor);
    return treeWith(tree, tf.grads((...xs: tf.Tensor[]) => f(treeWith(tree, xs) as never))(leaves)) as never;
  },
  around: () => {
    const before = tf.memory().numTensors;
    const heldBefore = backendHolds();
    // A plain function run outside any gradient leaks its intermediates exactly as the same
    // TF.js ops would outside tf.tidy: a scope around the case disposes those (and any
    // untracked tensor), so what the check sees is what the adapter kept (tf.keep), which is
    // where a leak of the adapter would be.
    tf.engine().startScope();
    return () => {
      tf.engine().endScope();
      releaseAbandonedTapes();
      expect(tf.memory().numTensors, 'tensors alive after the case').toBe(before);
      expect(backendHolds(), "the backend's data buffers (and webgl's texture bytes) after the case").toEqual(heldBefore);
      expect(tfjsAdapter.isDifferentiating?.(), 'the engine is idle').toBe(false);
    };
  },
};
