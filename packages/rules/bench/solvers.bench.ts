/**
 * `npm run bench` in packages/rules, solvers: the gradient of Σ w·x* with respect to params,
 * x* = g(x*, params) with g(x, p) = 0.87·tanh(x) + p (a contraction that needs about 100
 * iterations from 0 to the tolerance), at 1e3 and 1e5 elements — through fixedPoint's implicit
 * rule against the engine's own autodiff through the unrolled loop (100 iterations). TF.js: time
 * and the peak of tf.memory() during one gradient (tf.profile's peakBytes). jax-js: time, eager
 * `grad` (the rule's forward rule, its tangent loop run a fixed count).
 */
import * as tf from '@tensorflow/tfjs';
import { grad, init, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { installAdapter } from '@chainrules/core';
import { tfjsAdapter } from '@chainrules/tfjs';
import { jaxAdapter, jaxApi } from '@chainrules/jax';
import { fixedPoint } from '../src/index';
import { compare, report } from '../../../tools/measure';

const ITERATIONS = 100;
const TOL = 1e-5;
const timing = { batch: 1, samples: 5, warmup: 1 };
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(seed + 0.7 * i));

console.log(`\n@chainrules/rules solvers — Node ${process.version}, ${new Date().toISOString()}`);
console.log(`gradient of Σ w·x*, x* = 0.87·tanh(x*) + p; rule (tol ${TOL}) vs the engine's autodiff of ${ITERATIONS} unrolled iterations; ratio = rule / unrolled`);

await tf.setBackend('cpu');
await tf.ready();
await init('wasm');
installAdapter(tfjsAdapter);
installAdapter(jaxAdapter);

for (const n of [1_000, 100_000]) {
  // TF.js: tf.grads through fixedPoint's rrule (its pullback: TF.js vjps of g) vs through the loop.
  const p = tf.tensor1d(values(n, 1));
  const w = tf.tensor1d(values(n, 2));
  const g = (x: tf.Tensor, q: tf.Tensor) => tf.add(tf.mul(0.87, tf.tanh(x)), q);
  const viaRule = () => tf.tidy(() => tf.grads((q: tf.Tensor) => tf.sum(tf.mul(w, fixedPoint(g, tf.zeros([n]), { params: q, tol: TOL }))))([p])[0]!.dataSync());
  const unrolled = () =>
    tf.tidy(() =>
      tf.grads((q: tf.Tensor) => {
        let x: tf.Tensor = tf.zeros([n]);
        for (let k = 0; k < ITERATIONS; k++) x = g(x, q);
        return tf.sum(tf.mul(w, x));
      })([p])[0]!.dataSync(),
    );
  const a = viaRule();
  const b = unrolled();
  let diff = 0;
  for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
  report(`TF.js tf.grads — fixedPoint x[${n}]`, compare([{ name: `TF.js's own autodiff of ${ITERATIONS} unrolled iterations`, run: (k) => { for (let i = 0; i < k; i++) unrolled(); } }, { name: 'through the rule (implicit; TF.js vjps of g)', run: (k) => { for (let i = 0; i < k; i++) viaRule(); } }], timing), { 'through the rule (implicit; TF.js vjps of g)': 0.2 });
  const peak = async (f: () => unknown) => (await tf.profile(() => void f())).peakBytes;
  console.log(`  peak tf.memory() bytes during one gradient: unrolled ${await peak(unrolled)}, rule ${await peak(viaRule)}; max |rule − unrolled| = ${diff.toExponential(2)}`);
  tf.dispose([p, w]);

  // jax-js: grad through fixedPoint's frule (jvps of g, fixed count) vs through the loop.
  const pj = np.array(Array.from(values(n, 1)));
  const wj = np.array(Array.from(values(n, 2)));
  const gj = (x: JaxArray, q: JaxArray) => jaxApi.add(jaxApi.multiply(0.87, jaxApi.tanh(x)), q);
  const jaxRule = () => grad((q: JaxArray) => np.sum(np.multiply(wj.ref, fixedPoint(gj, np.zeros([n]), { params: q, tol: TOL }))))(pj.ref).dataSync();
  const jaxUnrolled = () =>
    grad((q: JaxArray) => {
      let x = np.zeros([n]);
      for (let k = 0; k < ITERATIONS; k++) x = np.add(np.multiply(0.87, np.tanh(x)), q.ref);
      q.dispose();
      return np.sum(np.multiply(wj.ref, x));
    })(pj.ref).dataSync();
  const ja = jaxRule();
  const jb = jaxUnrolled();
  let jdiff = 0;
  for (let i = 0; i < n; i++) jdiff = Math.max(jdiff, Math.abs(ja[i]! - jb[i]!));
  report(`jax-js grad, eager — fixedPoint x[${n}]`, compare([{ name: `jax-js's own grad of ${ITERATIONS} unrolled iterations`, run: (k) => { for (let i = 0; i < k; i++) jaxUnrolled(); } }, { name: 'through the rule (implicit; jax-js jvps of g)', run: (k) => { for (let i = 0; i < k; i++) jaxRule(); } }], timing), { 'through the rule (implicit; jax-js jvps of g)': 0.2 });
  console.log(`  max |rule − unrolled| = ${jdiff.toExponential(2)}`);
  pj.dispose();
  wj.dispose();
}
