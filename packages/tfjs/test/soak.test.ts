import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { tfjsAdapter } from '../src/index';
import { counts, flaky, foo, resetCounts, square } from './support/rules';
import { installAdapterForFile } from './support/setup';

/*
 * Memory soak: tf.memory().numTensors must be the same before and after 10,000 gradients
 * through rules, in every variant, with every 7th pullback throwing (about 15 s in all).
 */
const FIRST = 10_000;
const OTHER = 10_000;
const SECOND = 10_000;

installAdapterForFile();

/** Runs `step` `n` times, counting the errors it throws (only the flaky pullback's are expected). */
function soak(n: number, step: (i: number) => void): { failures: number; ms: number } {
  const start = performance.now();
  let failures = 0;
  for (let i = 0; i < n; i++) {
    try {
      step(i);
    } catch (error) {
      if (!(error instanceof Error) || error.message !== 'flaky pullback') throw error;
      failures++;
    }
  }
  return { failures, ms: performance.now() - start };
}

const x = tf.tensor([0.5, -1, 2]);
const b = tf.tensor([1, 2, 3]);
const c = tf.scalar(3);

describe('memory soak (numTensors identical before and after)', () => {
  const cases: [string, number, (i: number) => void][] = [
    [
      'first order, outside tf.tidy (results disposed by hand)',
      FIRST,
      () => {
        const [ga, gc] = tf.grads((a, cc) => tf.sum(tf.add(foo(a, b, { c: cc }), square(a))))([x, c]);
        ga!.dispose();
        gc!.dispose();
      },
    ],
    ['first order, inside tf.tidy', OTHER, () => tf.tidy(() => void tf.grads((a, cc) => tf.sum(square(foo(a, b, { c: cc }))))([x, c]))],
    [
      'second order, outside tf.tidy',
      SECOND,
      () => tf.grad((a: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(square(foo(y, b, { c }))))(a)))(x).dispose(),
    ],
    ['second order, inside tf.tidy', SECOND, () => tf.tidy(() => void tf.grad((a: tf.Tensor) => tf.sum(tf.grad((y: tf.Tensor) => tf.sum(square(y)))(a)))(x))],
  ];
  for (const [title, n, step] of cases) {
    it(`${title}: ${n} gradients, every 7th pullback throwing`, { timeout: 120_000 }, async () => {
      resetCounts();
      flaky.every = 7;
      soak(20, step); // warm-up: TF.js allocates its own constants once
      await Promise.resolve();
      const before = tf.memory().numTensors;
      const { failures, ms } = soak(n, step);
      await Promise.resolve(); // an error left a tape behind: the adapter releases it once idle
      const after = tf.memory().numTensors;
      console.info(`soak ${title}: ${n} iterations, ${failures} failures, numTensors ${before} → ${after}, ${ms.toFixed(0)} ms`);
      expect(after).toBe(before);
      expect(failures).toBeGreaterThan(n / 20);
      expect(counts.flaky.rrule).toBeGreaterThanOrEqual(n);
      expect(counts.flaky.impl).toBe(0);
      expect(tfjsAdapter.isDifferentiating?.()).toBe(false);
      flaky.every = 0;
      // Still usable: the next gradient is right.
      const g = tf.tidy(() => Array.from(tf.grad((a: tf.Tensor) => tf.sum(square(a)))(x).dataSync()));
      expect(g).toEqual([1, -2, 4]);
    });
  }
});
