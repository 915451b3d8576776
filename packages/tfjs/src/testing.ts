import * as tf from '@tensorflow/tfjs-core';
import { treeLeaves, treeWith } from '@chainrules/core/adapter';
// Types only: this entry runs without @chainrules/testing (an optional peer) installed.
import type { ConformanceEngine } from '@chainrules/testing';
import { tfjsAdapter } from './adapter';
import { releaseAbandonedTapes } from './tape';

/** The backend's own accounting: the data buffers it holds and, on webgl, the bytes its textures hold for live tensors. */
function backendHolds(): { dataIds: number; textureBytes: number | undefined } {
  return {
    dataIds: tf.backend().numDataIds(),
    textureBytes: tf.getBackend() === 'webgl' ? (tf.memory() as { numBytesInGPU?: number }).numBytesInGPU : undefined,
  };
}

/**
 * TF.js as `@chainrules/testing` drives it: the engine to check a rule through
 * (`testRrule(f, args, { engine: tfjsEngine })`) and the one the adapter conformance suite runs
 * (`describeAdapterConformance(tfjsEngine, { cannot: ['forward'] })`). Arrays are float32
 * tensors; `grads` and `gradTree` are `tf.grads`; there is no `jvp` (TF.js has no forward
 * mode). Its `around` check opens a TF.js scope for the case and, after it, throws an `Error`
 * unless as many tensors are alive and the backend holds as many data buffers (and webgl
 * texture bytes) as before, and the engine is idle.
 *
 * Load a TF.js build that registers its kernels' gradients (the `@tensorflow/tfjs` union
 * package, or `tfjs-core` with a backend and its gradients) before using it.
 *
 * @example
 * ```ts
 * import '@tensorflow/tfjs';
 * import { testRrule, f64 } from '@chainrules/testing';
 * import { tfjsEngine } from '@chainrules/tfjs/testing';
 * testRrule(myRule, [f64([1, 2, 3])], { kwargs: { scale: 2 }, engine: tfjsEngine });
 * ```
 */
export const tfjsEngine: ConformanceEngine<tf.Tensor> = {
  adapter: tfjsAdapter,
  array: (value) => tf.tensor(value as number | number[], undefined, 'float32'),
  read: (x) => ({ shape: x.shape, data: Array.from(x.dataSync()) }),
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
      const problems: string[] = [];
      const alive = tf.memory().numTensors;
      if (alive !== before) problems.push(`${alive - before} more tensors alive than before (${alive}, was ${before})`);
      const held = backendHolds();
      if (held.dataIds !== heldBefore.dataIds) problems.push(`the backend holds ${held.dataIds} data buffers, was ${heldBefore.dataIds}`);
      if (held.textureBytes !== heldBefore.textureBytes) problems.push(`webgl textures hold ${String(held.textureBytes)} bytes, was ${String(heldBefore.textureBytes)}`);
      if (tfjsAdapter.isDifferentiating?.() === true) problems.push('the engine is still differentiating (a tape left open)');
      if (problems.length > 0) throw new Error(`TF.js after the case: ${problems.join('; ')}.`);
    };
  },
};
