/**
 * `npm run bench` in packages/rules, solvers: the gradient of Σ w·x* with respect to params,
 * x* = g(x*, params) with g(x, p) = c·tanh(x) + p, at 1e3 and 1e5 elements and two contractions
 * (c = 0.87 needs about 50 iterations from 0 to the tolerance, c = 0.977 about 200) — through
 * fixedPoint's implicit rule against the engine's own autodiff through the unrolled loop (as
 * many iterations as the tolerance needs). TF.js: time and the peak of tf.memory() during one
 * gradient (tf.profile's peakBytes). jax-js: time of eager `grad` (the rule's forward rule, its
 * tangent loop run a fixed count on traced values) at the faster contraction only (jax-js's
 * eager grad of a long chain costs about the square of its length: 200 iterations take
 * minutes), and the growth of the wasm heap during one `grad` and one `jvp`, each measured in a
 * fresh process (the heap never shrinks, so its growth is the derivative's peak).
 */
import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { grad, init, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { installAdapter } from '@chainrules/core';
import { tfjsAdapter } from '@chainrules/tfjs';
import { jaxAdapter, jaxApi } from '@chainrules/jax';
import { fixedPoint } from '../src/index';
import { compare, report } from '../../../tools/measure';

const TOL = 1e-5;
const SIZES = [1_000, 100_000];
/** The contraction factors: about 50 and about 200 iterations to the tolerance. */
const FACTORS = [0.87, 0.977];
const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => 0.3 * Math.sin(seed + 0.7 * i));

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(2)} MB`;

/** The iterations x ← c·tanh(x) + p needs from 0 to a step of at most TOL (in float64, on the host). */
function iterationsFor(c: number, n: number): number {
  const p = values(n, 1);
  const x = new Float64Array(n);
  for (let k = 1; ; k++) {
    let d = 0;
    for (let i = 0; i < n; i++) {
      const y = c * Math.tanh(x[i]!) + p[i]!;
      d = Math.max(d, Math.abs(y - x[i]!));
      x[i] = y;
    }
    if (d <= TOL) return k;
  }
}

/** jax-js's two gradients for one size and contraction: through the rule, through `count` unrolled iterations. */
function jaxGradients(n: number, c: number, count: number) {
  const pj = np.array(Array.from(values(n, 1)));
  const wj = np.array(Array.from(values(n, 2)));
  const gj = (x: JaxArray, q: JaxArray) => jaxApi.add(jaxApi.multiply(c, jaxApi.tanh(x)), q);
  const rule = () => grad((q: JaxArray) => np.sum(np.multiply(wj.ref, fixedPoint(gj, np.zeros([n]), { params: q, tol: TOL, maxIter: 1000 }))))(pj.ref).dataSync();
  const unrolled = () =>
    grad((q: JaxArray) => {
      let x = np.zeros([n]);
      for (let k = 0; k < count; k++) x = np.add(np.multiply(c, np.tanh(x)), q.ref);
      q.dispose();
      return np.sum(np.multiply(wj.ref, x));
    })(pj.ref).dataSync();
  const ruleJvp = () => {
    const [x, xdot] = jvp((q: JaxArray) => fixedPoint(gj, np.zeros([n]), { params: q, tol: TOL, maxIter: 1000 }), [pj.ref], [wj.ref]);
    x.dispose();
    return xdot.dataSync();
  };
  const unrolledJvp = () => {
    const [x, xdot] = jvp(
      (q: JaxArray) => {
        let y = np.zeros([n]);
        for (let k = 0; k < count; k++) y = np.add(np.multiply(c, np.tanh(y)), q.ref);
        q.dispose();
        return y;
      },
      [pj.ref],
      [wj.ref],
    );
    x.dispose();
    return xdot.dataSync();
  };
  const dispose = () => {
    pj.dispose();
    wj.dispose();
  };
  return { rule, unrolled, ruleJvp, unrolledJvp, dispose };
}

/** In a child process: the growth of the wasm heap (`external`) during one gradient, after a warm-up gradient with a fast contraction. */
async function jaxPeakChild([method, n, c, count]: string[]): Promise<void> {
  await init('wasm');
  installAdapter(jaxAdapter);
  const pick = (m: ReturnType<typeof jaxGradients>) => ({ rule: m.rule, unrolled: m.unrolled, ruleJvp: m.ruleJvp, unrolledJvp: m.unrolledJvp })[method as 'rule']!;
  const warm = jaxGradients(Number(n), 0.1, 8);
  void pick(warm)();
  warm.dispose();
  const run = jaxGradients(Number(n), Number(c), Number(count));
  const before = process.memoryUsage().external;
  void pick(run)();
  console.log(process.memoryUsage().external - before);
}

/** The wasm heap growth of one jax-js derivative, measured in a fresh process (or why it could not be). */
function jaxPeak(method: 'rule' | 'unrolled' | 'ruleJvp' | 'unrolledJvp', n: number, c: number, count: number): string {
  const child = spawnSync(process.execPath, [process.argv[1]!, '--jax-peak', method, String(n), String(c), String(count)], { encoding: 'utf8' });
  const bytes = Number(child.stdout.trim().split('\n').pop());
  if (child.status === 0 && Number.isFinite(bytes)) return mb(bytes);
  return /Maximum call stack/.test(child.stderr) ? 'failed (jax-js: stack overflow disposing its trace)' : `failed (${child.stderr.trim().split('\n').pop() ?? ''})`;
}

async function main(): Promise<void> {
  console.log(`\n@chainrules/rules solvers — Node ${process.version}, ${new Date().toISOString()}`);
  console.log(`gradient of Σ w·x*, x* = c·tanh(x*) + p; rule (tol ${TOL}) vs the engine's autodiff of the unrolled loop (as many iterations as the tolerance needs); ratio = rule / unrolled`);

  await tf.setBackend('cpu');
  await tf.ready();
  await init('wasm');
  installAdapter(tfjsAdapter);
  installAdapter(jaxAdapter);

  for (const n of SIZES) {
    const timing = { batch: 1, samples: n > 1_000 ? 3 : 5, warmup: 1 };
    for (const c of FACTORS) {
      const count = iterationsFor(c, n);
      const label = `x[${n}], c = ${c} (${count} iterations)`;
      // TF.js: tf.grads through fixedPoint's rrule (its pullback: TF.js vjps of g) vs through the loop.
      const p = tf.tensor1d(values(n, 1));
      const w = tf.tensor1d(values(n, 2));
      const g = (x: tf.Tensor, q: tf.Tensor) => tf.add(tf.mul(c, tf.tanh(x)), q);
      const viaRule = () => tf.tidy(() => tf.grads((q: tf.Tensor) => tf.sum(tf.mul(w, fixedPoint(g, tf.zeros([n]), { params: q, tol: TOL }))))([p])[0]!.dataSync());
      const unrolled = () =>
        tf.tidy(() =>
          tf.grads((q: tf.Tensor) => {
            let x: tf.Tensor = tf.zeros([n]);
            for (let k = 0; k < count; k++) x = g(x, q);
            return tf.sum(tf.mul(w, x));
          })([p])[0]!.dataSync(),
        );
      const a = viaRule();
      const b = unrolled();
      let diff = 0;
      for (let i = 0; i < n; i++) diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
      const tfRule = 'through the rule (implicit; TF.js vjps of g)';
      report(`TF.js tf.grads — fixedPoint ${label}`, compare([{ name: `TF.js's own autodiff of ${count} unrolled iterations`, run: (k) => { for (let i = 0; i < k; i++) unrolled(); } }, { name: tfRule, run: (k) => { for (let i = 0; i < k; i++) viaRule(); } }], timing), { [tfRule]: 0.2 });
      const peak = async (f: () => unknown) => (await tf.profile(() => void f())).peakBytes;
      console.log(`  peak tf.memory() during one gradient: unrolled ${mb(await peak(unrolled))}, rule ${mb(await peak(viaRule))}; max |rule − unrolled| = ${diff.toExponential(2)}`);
      tf.dispose([p, w]);

      // jax-js: grad through fixedPoint's frule (jvps of g, fixed count) vs through the loop.
      const jax = jaxGradients(n, c, count);
      if (c === FACTORS[0]) {
        const ja = jax.rule();
        const jb = jax.unrolled();
        let jdiff = 0;
        for (let i = 0; i < n; i++) jdiff = Math.max(jdiff, Math.abs(ja[i]! - jb[i]!));
        const jaxRule = 'through the rule (implicit; jax-js jvps of g)';
        report(`jax-js grad, eager — fixedPoint ${label}`, compare([{ name: `jax-js's own grad of ${count} unrolled iterations`, run: (k) => { for (let i = 0; i < k; i++) jax.unrolled(); } }, { name: jaxRule, run: (k) => { for (let i = 0; i < k; i++) jax.rule(); } }], timing), { [jaxRule]: 0.2 });
        console.log(`  max |rule − unrolled| = ${jdiff.toExponential(2)}`);
      } else console.log(`\njax-js — fixedPoint ${label}`);
      jax.dispose();
      console.log(`  wasm heap growth during one grad (fresh process): unrolled ${jaxPeak('unrolled', n, c, count)}, rule ${jaxPeak('rule', n, c, count)}`);
      console.log(`  wasm heap growth during one jvp (fresh process): unrolled ${jaxPeak('unrolledJvp', n, c, count)}, rule ${jaxPeak('ruleJvp', n, c, count)}`);
    }
  }
}

if (process.argv[2] === '--jax-peak') await jaxPeakChild(process.argv.slice(3));
else await main();
