/**
 * The solvers through the engines: fixedPoint's implicit rule (its pullback asks the engine for
 * vector–Jacobian products of g through cfg.rruleViaAd) against the engine's own autodiff
 * through the unrolled iteration, with run counters proving the rule ran.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { installAdapter, ruleRuns } from '@chainrules/core';
import { tfjsAdapter } from '@chainrules/tfjs';
import { selectTfjsBackend } from '../../../tools/backends/tfjs';
import { fixedPoint } from '../src/index';

const uninstall: Array<() => void> = [];
beforeAll(async () => {
  await selectTfjsBackend('cpu');
  uninstall.push(installAdapter(tfjsAdapter));
});
afterAll(() => {
  for (const u of uninstall.reverse()) u();
});

const N = 6;
/** A coupling matrix with ‖W‖ small enough that g contracts: g(x, p) = ½·tanh(W·x) + p. */
const weights = Array.from({ length: N * N }, (_, k) => 0.35 * Math.sin(1.7 * k + 0.3));
const P = Array.from({ length: N }, (_, i) => 0.4 * Math.cos(i));
const Wout = Array.from({ length: N }, (_, i) => 1 + 0.25 * i);

describe('fixedPoint through TF.js', () => {
  const W = () => tf.tensor2d(weights, [N, N]);
  const g = (w: tf.Tensor) => (x: tf.Tensor, p: tf.Tensor) => tf.add(tf.mul(0.5, tf.tanh(tf.squeeze(tf.matMul(w, tf.reshape(x, [N, 1])), [1]))), p);

  it('tf.grads through the rule matches TF.js through the unrolled loop', () => {
    tf.tidy(() => {
      const w = W();
      const map = g(w);
      const before = ruleRuns(fixedPoint)!;
      const viaRule = tf.grads((p: tf.Tensor) => tf.sum(tf.mul(tf.tensor1d(Wout), fixedPoint(map, tf.zeros([N]), { params: p, tol: 1e-6 }))))([tf.tensor1d(P)])[0]!;
      const after = ruleRuns(fixedPoint)!;
      expect([after.rrule - before.rrule, after.pullback - before.pullback]).toEqual([1, 1]);
      const unrolled = tf.grads((p: tf.Tensor) => {
        let x: tf.Tensor = tf.zeros([N]);
        for (let k = 0; k < 80; k++) x = map(x, p);
        return tf.sum(tf.mul(tf.tensor1d(Wout), x));
      })([tf.tensor1d(P)])[0]!;
      const a = Array.from(viaRule.dataSync());
      const b = Array.from(unrolled.dataSync());
      a.forEach((ai, i) => expect(Math.abs(ai - b[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(b[i]!))));
    });
  });

  it('a scalar parameter (a tensor option) and a number x0', () => {
    tf.tidy(() => {
      const cosMap = (x: tf.Tensor, a: tf.Tensor) => tf.cos(tf.mul(a, x));
      const [da] = tf.grads((a: tf.Tensor) => fixedPoint(cosMap, tf.scalar(0), { params: a, tol: 1e-6 }))([tf.scalar(0.8)]);
      const x = 0.801418;
      expect(da!.dataSync()[0]).toBeCloseTo(-x * Math.sin(0.8 * x) / (1 + 0.8 * Math.sin(0.8 * x)), 4);
    });
  });

  it('refuses, coded, an iteration that does not converge in float32 at a float64 tolerance', () => {
    tf.tidy(() => {
      const cosMap = (x: tf.Tensor, a: tf.Tensor) => tf.cos(tf.mul(a, x));
      expect(() => tf.grads((a: tf.Tensor) => fixedPoint(cosMap, tf.scalar(0.3), { params: a, tol: 1e-14, maxIter: 200 }))([tf.scalar(0.8)])).toThrow(
        expect.objectContaining({ code: 'not-converged', rule: 'fixedPoint' }),
      );
    });
  });

  it('leaks no tensor over 200 gradients', () => {
    const w = W();
    const map = g(w);
    const p = tf.tensor1d(P);
    const step = () => tf.dispose(tf.grads((q: tf.Tensor) => tf.sum(fixedPoint(map, tf.zeros([N]), { params: q, tol: 1e-6 })))([p]));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([w, p]);
  });
});
