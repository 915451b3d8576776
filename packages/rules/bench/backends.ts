/**
 * The cost of rules on one backend, in Node or in a browser page: for the seed rule
 * foo(a, b, { c }) = a·b·c and `gaussian(x, { amplitude, pos, sigma })`, at 1e3 and 1e5 elements,
 * the gradient of Σ f with respect to every input and option
 *
 * 1. on TF.js, through the adapter against a hand-written `tf.customGrad` of the same rule
 *    (goal ≤ 1.05×), and against TF.js's own autodiff of the same formula (goal ≤ 1.0×);
 * 2. on jax-js, through the rule against jax-js's own `grad` of the same formula (goal ≤ 1.0×).
 *
 * Every candidate reads its gradients back (`dataSync`): on a GPU backend that waits for the
 * device, and it costs every candidate the same. Entry points: backends.bench.ts (Node, wasm)
 * and backends.browser.ts (a Chromium page, through scripts/bench-browser.mjs).
 */
import * as tf from '@tensorflow/tfjs';
import { grad, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { foo, fooCustom } from '../../../tools/bench/seed';
import type { Candidate, CompareOptions, Measurement } from '../../../tools/compare';
import { gaussian } from '../src/index';

type T = tf.Tensor;

/** Where the benchmark runs and how it times and reports. */
export interface BenchEnv {
  readonly backend: string;
  readonly where: 'Node' | 'Chromium';
  /** Whether jax-js runs on a device of the same name here. */
  readonly jax: boolean;
  compare(candidates: readonly Candidate[], options: CompareOptions): Measurement[];
  report(title: string, rows: readonly Measurement[], goals: Readonly<{ [name: string]: number }>): void;
}

/** Measures and reports one comparison; what the backend cannot run is said, not skipped in silence. */
function comparison(env: BenchEnv, title: string, candidates: readonly Candidate[], options: CompareOptions, goals: Readonly<{ [name: string]: number }>): void {
  let rows: Measurement[];
  try {
    rows = env.compare(candidates, options);
  } catch (error) {
    console.log(`\n${title}\n  cannot run here: ${error instanceof Error ? error.message : String(error)}`);
    return;
  }
  env.report(title, rows, goals);
}

/** The Gaussian's rule written by hand with tf.customGrad (same math as gaussian's rrule). */
const gaussianCustom = tf.customGrad((x, pos, sigma, amplitude, save) => {
  const [tx, tp, ts, ta] = [x as T, pos as T, sigma as T, amplitude as T];
  const u = tf.div(tf.sub(tx, tp), ts);
  const e = tf.exp(tf.mul(-0.5, tf.square(u)));
  const y = tf.mul(ta, e);
  (save as tf.GradSaveFunc)([u, e, y, ts]);
  return {
    value: y,
    gradFunc: (dy, saved) => {
      const [su, se, sy, ss] = saved as T[];
      const g = tf.div(tf.mul(tf.mul(dy as T, sy!), su!), ss!);
      return [tf.neg(g), tf.sum(g), tf.sum(tf.mul(g, su!)), tf.sum(tf.mul(dy as T, se!))];
    },
  };
});

const fooNative = (a: T, b: T, c: T): T => tf.mul(tf.mul(a, b), c);
const gaussianNative = (x: T, pos: T, sigma: T, amplitude: T): T => tf.mul(amplitude, tf.exp(tf.mul(-0.5, tf.square(tf.div(tf.sub(x, pos), sigma)))));

const SIZES = [1e3, 1e5] as const;

/** Runs every comparison of this backend. */
export function benchBackend(env: BenchEnv): void {
  for (const n of SIZES) {
    // In a page the clock ticks in 0.1 ms: batches of 1e3-element calls are long enough for it.
    const options: CompareOptions = n === 1e3 ? { batch: 50, samples: 11, warmup: 2 } : { batch: 3, samples: 9, warmup: 2 };
    const label = `${n.toExponential(0)} elements`;
    try {
      benchSize(env, n, options, label);
    } catch (error) {
      // WebGPU on SwiftShader cannot make a 1e5-element buffer from data (TF.js and jax-js alike).
      console.log(`\n${env.backend} (${env.where}), ${label}: cannot run here: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The comparisons at one size. */
function benchSize(env: BenchEnv, n: number, options: CompareOptions, label: string): void {
  const tag = (engine: string) => `${engine} ${env.backend} (${env.where})`;
  // TF.js: tensors made once; each call takes the gradients of Σ f and reads them.
  const random = (lo: number, hi: number) => tf.tidy(() => tf.add(tf.mul(tf.randomUniform([n], 0, 1, 'float32', 7), hi - lo), lo));
  const [a, b, x] = [random(0.5, 1.5), random(-1, 1), random(-2, 2)];
  const [c, pos, sigma, amplitude] = [tf.scalar(3), tf.scalar(0.3), tf.scalar(0.8), tf.scalar(1.5)];
  const grads = (f: (...xs: T[]) => T, xs: T[]) => (times: number) => {
    for (let i = 0; i < times; i++) tf.tidy(() => tf.grads((...ys: T[]) => tf.sum(f(...ys)))(xs).forEach((g) => g.dataSync()));
  };
  const seed = [a, b, c];
  const gauss = [x, pos, sigma, amplitude];
  const viaFoo = grads((a, b, c) => foo(a, b, { c }), seed);
  const viaGaussian = grads((x, pos, sigma, amplitude) => gaussian(x, { pos, sigma, amplitude }) as T, gauss);
  const adapterFoo = 'adapter: tf.grads through foo(a, b, { c })';
  const adapterGaussian = 'adapter: tf.grads through gaussian(x, { pos, sigma, amplitude })';
  comparison(env, `${tag('TF.js')}: seed foo, ${label}: adapter vs hand-written tf.customGrad`, [{ name: 'hand-written tf.customGrad of the same rule', run: grads((a, b, c) => fooCustom(a, b, c) as T, seed) }, { name: adapterFoo, run: viaFoo }], options, { [adapterFoo]: 1.05 });
  comparison(env, `${tag('TF.js')}: seed foo, ${label}: rule vs TF.js's own autodiff`, [{ name: "TF.js's own autodiff of a·b·c", run: grads(fooNative, seed) }, { name: adapterFoo, run: viaFoo }], options, { [adapterFoo]: 1.0 });
  comparison(env, `${tag('TF.js')}: gaussian, ${label}: adapter vs hand-written tf.customGrad`, [{ name: 'hand-written tf.customGrad of the same rule', run: grads((x, p, s, A) => gaussianCustom(x, p, s, A) as T, gauss) }, { name: adapterGaussian, run: viaGaussian }], options, { [adapterGaussian]: 1.05 });
  comparison(env, `${tag('TF.js')}: gaussian, ${label}: rule vs TF.js's own autodiff`, [{ name: "TF.js's own autodiff of A·exp(−(x − pos)²/(2σ²))", run: grads(gaussianNative, gauss) }, { name: adapterGaussian, run: viaGaussian }], options, { [adapterGaussian]: 1.0 });
  tf.dispose([a, b, x, c, pos, sigma, amplitude]);

  if (!env.jax) return;
  // jax-js: fresh inputs each call (jax-js functions consume them); the gradients read back.
  const data = (lo: number, hi: number) => Float32Array.from({ length: n }, (_, k) => lo + ((hi - lo) * ((k * 7919) % n)) / n);
  const [ja, jb, jx] = [data(0.5, 1.5), data(-1, 1), data(-2, 2)];
  const jgrads = (f: (...xs: JaxArray[]) => JaxArray, make: () => JaxArray[]) => (times: number) => {
    for (let i = 0; i < times; i++) {
      const inputs = make();
      const gs = grad(f, { argnums: inputs.map((_, k) => k) })(...inputs) as unknown as JaxArray[];
      for (const g of gs) g.dataSync();
    }
  };
  const seedInputs = () => [np.array(ja), np.array(jb), np.array(3)];
  const gaussInputs = () => [np.array(jx), np.array(0.3), np.array(0.8), np.array(1.5)];
  const ruleFoo = 'grad through foo (its frule, transposed)';
  const ruleGaussian = 'grad through gaussian (its frule, transposed)';
  comparison(env, `${tag('jax-js')}: seed foo, ${label}: rule vs jax-js's own grad`, [{ name: "jax-js's own grad of a·b·c", run: jgrads((a, b, c) => np.sum(np.multiply(np.multiply(a, b), c)), seedInputs) }, { name: ruleFoo, run: jgrads((a, b, c) => np.sum(foo(a, b, { c })), seedInputs) }], options, { [ruleFoo]: 1.0 });
  comparison(
    env,
    `${tag('jax-js')}: gaussian, ${label}: rule vs jax-js's own grad`,
    [
      { name: "jax-js's own grad of A·exp(−(x − pos)²/(2σ²))", run: jgrads((x, p, s, A) => np.sum(np.multiply(A, np.exp(np.multiply(-0.5, np.square(np.divide(np.subtract(x, p), s)))))), gaussInputs) },
      { name: ruleGaussian, run: jgrads((x, p, s, A) => np.sum(gaussian(x, { pos: p, sigma: s, amplitude: A }) as JaxArray), gaussInputs) },
    ],
    options,
    { [ruleGaussian]: 1.0 },
  );
}
