/**
 * `npm run bench -w @chainrules/tfjs`: the cost of running rules through the TF.js adapter, as
 * ratios against code measured in the same run (CPU backend), for the seed
 * foo(a, b, { c }) = a·b·c and a Gaussian g(x, { pos, sigma }) = exp(−(x − pos)²/(2σ²)), at 1,
 * 1e5 and 1e6 elements (pos and sigma are scalars; each loss is the sum of the output):
 *
 * 1. the adapter against a hand-written `tf.customGrad` of the same rule (goal ≤ 1.2× at one
 *    element, where the per-call bookkeeping shows, and ≤ 1.05× at 1e5+);
 * 2. the adapter against TF.js's own autodiff of the same math;
 * 3. the gradient with respect to one option only (c, sigma): the adapter against TF.js's own
 *    autodiff (goal: no slower, ≤ 1.0×), and against the adapter's gradient of all inputs.
 *
 * The rules are written the way the adapter rewards: cotangents as thunks (TF.js asks only for
 * the ones it needs) and residuals of the forward pass reused in the pullback.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { Tangent, defineRule, installAdapter, kw, namespaceOf, thunk, unthunk } from '@chainrules/core';
import { tfjsAdapter } from '../src/index';
import { compare, report } from '../../../tools/measure';
import { foo, fooCustom } from '../../../tools/bench/seed';

type T = tf.Tensor;

const gauss = defineRule(
  (x: T, { pos = 0, sigma = 1 }: { pos?: T | number; sigma?: T | number } = {}): T => {
    const xp = namespaceOf(x, pos, sigma);
    return xp.exp(xp.multiply(-0.5, xp.square(xp.divide(xp.subtract(x, pos), sigma))));
  },
  {
    name: 'gauss',
    kwargs: z.object({ pos: kw.diff().default(0), sigma: kw.diff().default(1) }),
    rrule: (cfg, { pos, sigma }, x) => {
      const { xp } = cfg;
      const z = xp.divide(xp.subtract(x, pos), sigma);
      const y = xp.exp(xp.multiply(-0.5, xp.square(z)));
      const yz = xp.divide(xp.multiply(y, z), sigma); // ∂y/∂pos = y·z/σ = −∂y/∂x
      return [
        y,
        (dy) => {
          const dpos = thunk(() => xp.multiply(dy, yz));
          return {
            args: [thunk(() => xp.negative(unthunk(dpos)))],
            kwargs: new Tangent({ pos: dpos, sigma: thunk(() => xp.multiply(unthunk(dpos), z)) }),
          };
        },
      ];
    },
  },
);

/** The Gaussian's rule written by hand with tf.customGrad (same math as gauss's rrule). */
const gaussCustom = tf.customGrad((x, pos, sigma, save) => {
  const [tx, tp, ts] = [x as T, pos as T, sigma as T];
  const z = tf.div(tf.sub(tx, tp), ts);
  const y = tf.exp(tf.mul(-0.5, tf.square(z)));
  const yz = tf.div(tf.mul(y, z), ts);
  (save as tf.GradSaveFunc)([z, yz]);
  return {
    value: y,
    gradFunc: (dy, saved) => {
      const [sz, syz] = saved as T[];
      const dpos = tf.mul(dy as T, syz!);
      return [tf.neg(dpos), tf.sum(dpos), tf.sum(tf.mul(dpos, sz!))];
    },
  };
});

const fooNative = (a: T, b: T, c: T): T => tf.mul(tf.mul(a, b), c);
const gaussNative = (x: T, pos: T, sigma: T): T => tf.exp(tf.mul(-0.5, tf.square(tf.div(tf.sub(x, pos), sigma))));

installAdapter(tfjsAdapter);
tf.scalar(0).dispose(); // initialises the backend
console.log(`@chainrules/tfjs benchmarks — Node ${process.version}, TF.js ${tf.version.tfjs} (${tf.getBackend()} backend), ${new Date().toISOString()}`);

const SIZES = [1, 1e5, 1e6] as const;
// Few samples at 1e6 (a call takes ~0.5 s on the CPU backend) keep the whole run near two minutes.
const plan = (n: number) => (n === 1 ? { batch: 200, samples: 31 } : n === 1e5 ? { batch: 3, samples: 25, warmup: 2 } : { batch: 1, samples: 7, warmup: 1 });
const random = (n: number, lo: number, hi: number) => tf.tidy(() => tf.add(tf.mul(tf.randomUniform([n], 0, 1, 'float32', 7), hi - lo), lo));

for (const n of SIZES) {
  const a = random(n, 0.5, 1.5);
  const b = random(n, -1, 1);
  const x = random(n, -2, 2);
  const c = tf.scalar(3);
  const pos = tf.scalar(0.3);
  const sigma = tf.scalar(0.8);
  const grads = (f: (...xs: T[]) => T, xs: T[]) => (times: number) => {
    for (let i = 0; i < times; i++) tf.tidy(() => void tf.grads((...ys: T[]) => tf.sum(f(...ys)))(xs));
  };
  const grad = (f: (y: T) => T, x0: T) => (times: number) => {
    for (let i = 0; i < times; i++) tf.tidy(() => void tf.grad((y: T) => tf.sum(f(y)))(x0));
  };
  const p = plan(n);
  const label = n === 1 ? '1 element' : `${n.toExponential(0)} elements`;

  report(
    `seed foo(a, b, { c }), ${label}: gradients of a, b and c`,
    compare(
      [
        { name: 'hand-written tf.customGrad of the same rule', run: grads((a, b, c) => fooCustom(a, b, c) as T, [a, b, c]) },
        { name: 'adapter: tf.grads through foo(a, b, { c })', run: grads((a, b, c) => foo(a, b, { c }), [a, b, c]) },
        { name: "TF.js's own autodiff of a·b·c", run: grads(fooNative, [a, b, c]) },
      ],
      p,
    ),
    { 'adapter: tf.grads through foo(a, b, { c })': n === 1 ? 1.2 : 1.05 },
  );
  report(
    `seed foo(a, b, { c }), ${label}: gradient of the option c only`,
    compare(
      [
        { name: "TF.js's own autodiff of a·b·c, d/dc", run: grad((c) => fooNative(a, b, c), c) },
        { name: 'adapter: tf.grad of foo(a, b, { c }) w.r.t. c', run: grad((c) => foo(a, b, { c }), c) },
        { name: 'adapter: all inputs (for scale)', run: grads((a, b, c) => foo(a, b, { c }), [a, b, c]) },
      ],
      p,
    ),
    { 'adapter: tf.grad of foo(a, b, { c }) w.r.t. c': 1.0 },
  );
  report(
    `Gaussian g(x, { pos, sigma }), ${label}: gradients of x, pos and sigma`,
    compare(
      [
        { name: 'hand-written tf.customGrad of the same rule', run: grads((x, p, s) => gaussCustom(x, p, s) as T, [x, pos, sigma]) },
        { name: 'adapter: tf.grads through gauss(x, { pos, sigma })', run: grads((x, p, s) => gauss(x, { pos: p, sigma: s }), [x, pos, sigma]) },
        { name: "TF.js's own autodiff of the same math", run: grads(gaussNative, [x, pos, sigma]) },
      ],
      p,
    ),
    { 'adapter: tf.grads through gauss(x, { pos, sigma })': n === 1 ? 1.2 : 1.05 },
  );
  report(
    `Gaussian g(x, { pos, sigma }), ${label}: gradient of the option sigma only`,
    compare(
      [
        { name: "TF.js's own autodiff, d/dsigma", run: grad((s) => gaussNative(x, pos, s), sigma) },
        { name: 'adapter: tf.grad of gauss(x, { pos, sigma }) w.r.t. sigma', run: grad((s) => gauss(x, { pos, sigma: s }), sigma) },
        { name: 'adapter: all inputs (for scale)', run: grads((x, p, s) => gauss(x, { pos: p, sigma: s }), [x, pos, sigma]) },
      ],
      p,
    ),
    { 'adapter: tf.grad of gauss(x, { pos, sigma }) w.r.t. sigma': 1.0 },
  );
  tf.dispose([a, b, x, c, pos, sigma]);
}
console.log(`\ntensors alive at the end: ${tf.memory().numTensors}`);
