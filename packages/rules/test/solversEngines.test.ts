/**
 * The solvers through the engines: fixedPoint's implicit rule (its pullback asks the engine for
 * vector–Jacobian products of g through cfg.rruleViaAd) against the engine's own autodiff
 * through the unrolled iteration, with run counters proving the rule ran.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { grad, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { ruleRuns } from '@chainrules/core';
import { jaxApi } from '@chainrules/jax';
import { findRoot, fixedPoint } from '../src/index';
import { useEngines } from './engineSetup';

useEngines();

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

  it('findRoot: tf.grads through its rule (the slope read by a vjp inside the rule’s forward pass) gives d√a/da = 1/(2√a)', () => {
    tf.tidy(() => {
      const square = (x: tf.Tensor, a: tf.Tensor) => tf.sub(tf.mul(x, x), a);
      const before = ruleRuns(findRoot)!;
      const [da] = tf.grads((a: tf.Tensor) => findRoot(square, tf.scalar(1), { params: a, tol: 1e-6 }))([tf.scalar(2)]);
      expect(ruleRuns(findRoot)!.rrule - before.rrule).toBe(1);
      expect(da!.dataSync()[0]).toBeCloseTo(1 / (2 * Math.SQRT2), 5);
      // A record of params: x* = √(a·b).
      const product = (x: tf.Tensor, { a, b }: { a: tf.Tensor; b: tf.Tensor }) => tf.sub(tf.mul(x, x), tf.mul(a, b));
      const [dA, dB] = tf.grads((a: tf.Tensor, b: tf.Tensor) => findRoot(product, tf.scalar(1), { params: { a, b }, tol: 1e-6 }))([tf.scalar(2), tf.scalar(1.5)]);
      expect(dA!.dataSync()[0]).toBeCloseTo(1.5 / (2 * Math.sqrt(3)), 5);
      expect(dB!.dataSync()[0]).toBeCloseTo(2 / (2 * Math.sqrt(3)), 5);
    });
  });

  it('is right to second order: tf.grad(tf.grad(x*)) for x* = cos(a·x*) against finite differences of the closed-form first derivative', () => {
    tf.tidy(() => {
      const cosMap = (x: tf.Tensor, a: tf.Tensor) => tf.cos(tf.mul(a, x));
      const second = tf.grad((a: tf.Tensor) => tf.grad((b: tf.Tensor) => fixedPoint(cosMap, tf.scalar(0), { params: b, tol: 1e-6 }))(a))(tf.scalar(0.8));
      const first = (a: number): number => {
        let x = 0;
        for (let k = 0; k < 500; k++) x = Math.cos(a * x);
        return (-x * Math.sin(a * x)) / (1 + a * Math.sin(a * x));
      };
      const h = 1e-5;
      expect(second.dataSync()[0]).toBeCloseTo((first(0.8 + h) - first(0.8 - h)) / (2 * h), 3);
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

  it('params as a record { w, p }: tf.grads over both tensors matches TF.js through the unrolled loop', () => {
    tf.tidy(() => {
      // Everything g depends on is in params: the coupling matrix too gets its gradient.
      const byRecord = (x: tf.Tensor, { w, p }: { w: tf.Tensor; p: tf.Tensor }) => g(w)(x, p);
      const loss = (x: tf.Tensor) => tf.sum(tf.mul(tf.tensor1d(Wout), x));
      const before = ruleRuns(fixedPoint)!;
      const viaRule = tf.grads((w: tf.Tensor, p: tf.Tensor) => loss(fixedPoint(byRecord, tf.zeros([N]), { params: { w, p }, tol: 1e-6 })))([W(), tf.tensor1d(P)]);
      const after = ruleRuns(fixedPoint)!;
      expect([after.rrule - before.rrule, after.pullback - before.pullback]).toEqual([1, 1]);
      const unrolled = tf.grads((w: tf.Tensor, p: tf.Tensor) => {
        let x: tf.Tensor = tf.zeros([N]);
        for (let k = 0; k < 80; k++) x = byRecord(x, { w, p });
        return loss(x);
      })([W(), tf.tensor1d(P)]);
      viaRule.forEach((grad, k) => {
        const want = Array.from(unrolled[k]!.dataSync());
        Array.from(grad.dataSync()).forEach((got, i) => expect(Math.abs(got - want[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!))));
      });
    });
  });

  it('leaks no tensor over 200 gradients, nor over 100 with params a record of fresh tensors', () => {
    const w = W();
    const map = g(w);
    const p = tf.tensor1d(P);
    const step = () => tf.dispose(tf.grads((q: tf.Tensor) => tf.sum(fixedPoint(map, tf.zeros([N]), { params: q, tol: 1e-6 })))([p]));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    // params as a record, with fresh tensors every step (as a training loop has them).
    const byRecord = (x: tf.Tensor, { w: m, p: q }: { w: tf.Tensor; p: tf.Tensor }) => g(m)(x, q);
    const fresh = () => {
      const [m, q] = [W(), tf.tensor1d(P)];
      tf.dispose([...tf.grads((m: tf.Tensor, q: tf.Tensor) => tf.sum(fixedPoint(byRecord, tf.zeros([N]), { params: { w: m, p: q }, tol: 1e-6 })))([m, q]), m, q]);
    };
    fresh();
    const start = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) fresh();
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([w, p]);
  });
});

describe('fixedPoint through jax-js', () => {
  const A = Array.from({ length: N }, (_, i) => 0.9 - 0.15 * i);
  // Written with jaxApi, as a rule's code is: it borrows its arguments.
  const map = (a: JaxArray) => (x: JaxArray, p: JaxArray) => jaxApi.add(jaxApi.multiply(0.5, jaxApi.tanh(jaxApi.multiply(a, x))), p);
  /** The same iteration unrolled with jax-js's own operations (which consume their arguments). */
  const unrolled = (a: JaxArray, p: JaxArray): JaxArray => {
    let x = np.zeros([N]);
    for (let k = 0; k < 80; k++) x = np.add(np.multiply(0.5, np.tanh(np.multiply(a.ref, x))), p.ref);
    a.dispose();
    p.dispose();
    return x;
  };
  const values = (x: JaxArray): number[] => x.js() as number[];
  const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(Math.abs(g - want[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want[i]!))));

  it('jvp through the rule (its frule, via fruleViaAd) matches jvp through the unrolled loop', () => {
    const before = ruleRuns(fixedPoint)!;
    const a = np.array(A);
    const [, viaRule] = jvp((p: JaxArray) => fixedPoint(map(a), np.zeros([N]), { params: p, tol: 1e-6 }), [np.array(P)], [np.array(Wout)]);
    expect(ruleRuns(fixedPoint)!.frule - before.frule).toBe(1);
    const [, native] = jvp((p: JaxArray) => unrolled(np.array(A), p), [np.array(P)], [np.array(Wout)]);
    close(values(viaRule), values(native));
    a.dispose();
  });

  it('params as a record { a, p }: grad and jvp over the record match the unrolled loop, the gradient shaped like the record', () => {
    const byRecord = (x: JaxArray, { a, p }: { a: JaxArray; p: JaxArray }) => map(a)(x, p);
    const loss = (x: JaxArray) => np.sum(np.multiply(np.array(Wout), x));
    const before = ruleRuns(fixedPoint)!;
    const viaRule = grad((params: { a: JaxArray; p: JaxArray }) => loss(fixedPoint(byRecord, np.zeros([N]), { params, tol: 1e-6 })))({ a: np.array(A), p: np.array(P) });
    expect(ruleRuns(fixedPoint)!.frule - before.frule).toBe(1);
    const native = grad((params: { a: JaxArray; p: JaxArray }) => loss(unrolled(params.a, params.p)))({ a: np.array(A), p: np.array(P) });
    expect(Object.keys(viaRule)).toEqual(['a', 'p']);
    close(values(viaRule.a), values(native.a));
    close(values(viaRule.p), values(native.p));
    const tangents = { a: np.array(Wout), p: np.array(A) };
    const [, jvpRule] = jvp((params: { a: JaxArray; p: JaxArray }) => fixedPoint(byRecord, np.zeros([N]), { params, tol: 1e-6 }), [{ a: np.array(A), p: np.array(P) }], [tangents]);
    const [, jvpNative] = jvp((params: { a: JaxArray; p: JaxArray }) => unrolled(params.a, params.p), [{ a: np.array(A), p: np.array(P) }], [{ a: np.array(Wout), p: np.array(A) }]);
    close(values(jvpRule), values(jvpNative));
  });

  it('refuses, coded, a function that closes over a value grad or jvp differentiates: the fix is to pass it in params', () => {
    for (const transform of ['grad', 'jvp'] as const) {
      const run = (a: JaxArray) => fixedPoint((x: JaxArray, p: JaxArray) => map(a)(x, p), np.zeros([N]), { params: np.array(P), tol: 1e-6 });
      let caught: unknown;
      try {
        if (transform === 'grad') grad((a: JaxArray) => np.sum(run(a)))(np.array(A));
        else jvp(run, [np.array(A)], [np.array(Wout)]);
      } catch (error) {
        caught = error;
      }
      expect(caught, transform).toMatchObject({ code: 'differentiable-in-static', rule: 'fixedPoint', fix: expect.stringContaining('params') });
    }
    let caught: unknown;
    try {
      grad((c: JaxArray) => findRoot((x: JaxArray, q: JaxArray) => jaxApi.subtract(jaxApi.multiply(x, x), jaxApi.multiply(c, q)), np.array([1]), { params: np.array([2]), tol: 1e-6 }).sum())(np.array([1.5]));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'differentiable-in-static', rule: 'findRoot', slot: 'args[0]' });
  });

  it('refuses, by name, a solve whose x0 or params jax-js traces (a second derivative): the loop cannot stop on values jax-js does not know', () => {
    const cosMap = (x: JaxArray, a: JaxArray) => jaxApi.cos(jaxApi.multiply(a, x));
    let caught: unknown;
    try {
      grad((a: JaxArray) => grad((b: JaxArray) => fixedPoint(cosMap, np.array(0), { params: b, tol: 1e-6 }))(a))(np.array(0.8));
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'unsupported', rule: 'fixedPoint', fix: expect.stringContaining('TF.js') });
  });

  it('grad through the rule (its tangent loop run a fixed count, as jax-js traces the tangents) matches grad through the unrolled loop', () => {
    const a = np.array(A);
    const before = ruleRuns(fixedPoint)!;
    const viaRule = grad((p: JaxArray) => np.sum(np.multiply(np.array(Wout), fixedPoint(map(a), np.zeros([N]), { params: p, tol: 1e-6 }))))(np.array(P));
    expect(ruleRuns(fixedPoint)!.frule - before.frule).toBe(1);
    const native = grad((p: JaxArray) => np.sum(np.multiply(np.array(Wout), unrolled(np.array(A), p))))(np.array(P));
    close(values(viaRule), values(native));
    a.dispose();
  });
});
