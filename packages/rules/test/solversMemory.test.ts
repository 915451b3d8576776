/**
 * The solvers' memory does not grow with their iterations: each iterate (and the temporaries of
 * its convergence test, and the adjoint's or the tangent loop's iterates) is released through
 * `xp.scope` once its successor is computed. The peak during one derivative of a contraction
 * that needs about 200 iterations is compared with one that needs about 50. Under jax-js's
 * `grad` the tangent loop runs on traced values, which jax-js records with their residuals
 * (the adapter does not release tracers), so only jvp is held flat there.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { grad, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { jaxApi } from '@chainrules/jax';
import { fixedPoint, findRoot } from '../src/index';
import { useEngines } from './engineSetup';

useEngines();

const TOL = 1e-5;
/** x ← c·tanh(x) + p from 0: c = 0.87 needs about 50 iterations to TOL, c = 0.977 about 200. */
const FAST = 0.87;
const SLOW = 0.977;
const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => 0.3 * Math.sin(seed + 0.7 * i));

describe('fixedPoint through TF.js: memory', () => {
  const N = 2_000;
  const ARRAY = 4 * N;

  it('the peak of tf.memory() during one gradient does not grow with the iterations', async () => {
    const p = tf.tensor1d(values(N, 1));
    const w = tf.tensor1d(values(N, 2));
    const gradient = (c: number) => () =>
      tf.tidy(() => {
        const g = (x: tf.Tensor, q: tf.Tensor) => tf.add(tf.mul(c, tf.tanh(x)), q);
        return void tf.grads((q: tf.Tensor) => tf.sum(tf.mul(w, fixedPoint(g, tf.zeros([N]), { params: q, tol: TOL }))))([p])[0]!.dataSync();
      });
    const fast = (await tf.profile(gradient(FAST))).peakBytes;
    const slow = (await tf.profile(gradient(SLOW))).peakBytes;
    // Before the scopes, the slow one held about 150 iterates more (≈ 5× the fast one's peak here).
    expect(slow).toBeLessThanOrEqual(fast + 4 * ARRAY);
    tf.dispose([p, w]);
  });

  it('leaks no tensor, and a function returning its input (or params) keeps them alive', () => {
    const p = tf.tensor1d([0.1, 0.2]);
    const x0 = tf.tensor1d([0.5, 0.5]);
    const before = tf.memory().numTensors;
    const [dp] = tf.grads((q: tf.Tensor) => tf.sum(fixedPoint((_x: tf.Tensor, params: tf.Tensor) => params, x0, { params: q })))([p]);
    expect([...dp!.dataSync()]).toEqual([1, 1]);
    expect([...fixedPoint((x: tf.Tensor) => x, x0).dataSync()]).toEqual([0.5, 0.5]);
    expect(p.isDisposed || x0.isDisposed).toBe(false);
    tf.dispose(dp);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([p, x0]);
  });

  it('outside a gradient, a solve leaves a few tensors however many iterations it took', () => {
    const p = tf.tensor1d(values(N, 1));
    const left = (run: () => tf.Tensor): number => {
      const before = tf.memory().numTensors;
      const x = run();
      const after = tf.memory().numTensors;
      x.dispose();
      return after - before;
    };
    const solve = (c: number) => () => fixedPoint((x: tf.Tensor, q: tf.Tensor) => tf.add(tf.mul(c, tf.tanh(x)), q), tf.zeros([N]), { params: p, tol: TOL });
    // x0 and the result; before the scopes, every iterate and convergence test (some 2,000 tensors).
    expect(left(solve(SLOW))).toBeLessThanOrEqual(4);
    expect(left(solve(SLOW))).toBe(left(solve(FAST)));
    // findRoot keeps its first two points and its last two steps' values.
    const root = () => findRoot((x: tf.Tensor, q: tf.Tensor) => tf.sub(tf.mul(x, tf.mul(x, x)), q), tf.scalar(1), { params: tf.scalar(20), tol: 1e-6 });
    expect(left(root)).toBeLessThanOrEqual(12);
    p.dispose();
  });
});

describe('fixedPoint through jax-js: memory', () => {
  const N = 20_000;
  /** One array's share of the wasm heap (its size class is a whole number of 64 KiB pages). */
  const ARRAY = 2 * 65_536;
  const heap = (): number => process.memoryUsage().external;

  it('the wasm heap does not grow when a jvp needs 4× the iterations', () => {
    const p = np.array(values(N, 1));
    const pdot = np.array(values(N, 2));
    const derivative = (c: number) => {
      const g = (x: JaxArray, q: JaxArray) => jaxApi.add(jaxApi.multiply(c, jaxApi.tanh(x)), q);
      const [x, xdot] = jvp((q: JaxArray) => fixedPoint(g, np.zeros([N]), { params: q, tol: TOL }), [p.ref], [pdot.ref]);
      x.dispose();
      xdot.dispose();
    };
    // The heap never shrinks: after these, it is as large as a 50-iteration jvp needs.
    derivative(FAST);
    derivative(FAST);
    const before = heap();
    derivative(SLOW);
    // Before the scopes, the slow one held some 150 iterates more of each loop (≈ 40 MB here).
    expect(heap() - before).toBeLessThanOrEqual(8 * ARRAY);
    p.dispose();
    pdot.dispose();
  });

  it('grad (whose traced tangent loop jax-js records, step by step) still matches after the forward loops release', () => {
    const p = np.array(values(8, 1));
    const g = (x: JaxArray, q: JaxArray) => jaxApi.add(jaxApi.multiply(SLOW, jaxApi.tanh(x)), q);
    const viaRule = grad((q: JaxArray) => np.sum(fixedPoint(g, np.zeros([8]), { params: q, tol: 1e-6 })))(p.ref).js() as number[];
    const x = fixedPoint(g, np.zeros([8]), { params: p, tol: 1e-6 }).js() as number[];
    // dx*/dp = 1 / (1 − c·sech²(x*)), elementwise.
    viaRule.forEach((d, i) => expect(d).toBeCloseTo(1 / (1 - SLOW / Math.cosh(x[i]!) ** 2), 2));
  });
});
