import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BACKEND } from '../support/backend';

/** Bytes webgl's textures hold for live tensors (0 elsewhere). */
const gpuBytes = (): number => (tf.memory() as unknown as { numBytesInGPU?: number }).numBytesInGPU ?? 0;

// The leak checks around every conformance case read the backend's own accounting: it must see
// a tensor kept alive, or a flat reading would mean nothing.
describe(`the leak checks see a leak (${BACKEND})`, () => {
  beforeAll(async () => {
    await tf.ready();
  });

  it('a tensor kept alive shows in numTensors and in the backend’s data buffers (and on webgl, its texture bytes)', () => {
    expect(tf.getBackend()).toBe(BACKEND);
    const before = { tensors: tf.memory().numTensors, data: tf.backend().numDataIds(), bytes: gpuBytes() };
    const kept = tf.tidy(() => tf.keep(tf.mul(tf.tensor([1, 2, 3, 4]), 2)));
    expect(tf.memory().numTensors).toBe(before.tensors + 1);
    expect(tf.backend().numDataIds()).toBe(before.data + 1);
    // Before it is read: reading moves a webgl tensor's values to the CPU and frees its texture.
    if (BACKEND === 'webgl') expect(gpuBytes()).toBeGreaterThan(before.bytes);
    expect(Array.from(kept.dataSync())).toEqual([2, 4, 6, 8]);
    kept.dispose();
    expect(tf.memory().numTensors).toBe(before.tensors);
    expect(tf.backend().numDataIds()).toBe(before.data);
  });
});
