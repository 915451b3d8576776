/**
 * `npm run bench` in packages/rules, second part: the rules against each engine's own autodiff of
 * the same math. For each rule, the gradient of Σ w·f(x, opts) with respect to x and every
 * differentiable option, taken with the engine's API — TF.js `tf.grads` (the rrule and its
 * pullback), jax-js `grad` eager and `jit(grad(f))` (the frule, transposed) — against the same
 * gradient of the formula written with the engine's operations (test/engineSupport.ts's
 * NATIVE, the formulas the engine tests check). The ratio column is against the first row, the
 * native formula: for the rule's row it is rule / native. For logsumexp, softmax and softplus a
 * middle row times the overflow-safe (max-shifted) formula the rule computes, so the price of
 * stability is told apart from the price of the rule. lennardJones, a rule with two outputs, is
 * timed on the loss energy + Σ w·forces (force matching with an energy term). Every gradient is
 * read back (`dataSync`), since jax-js evaluates lazily.
 */
import * as tf from '@tensorflow/tfjs';
import { grad, init, jit, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { installAdapter } from '@chainrules/core';
import type { AnyFunction } from '@chainrules/core';
import { tfjsAdapter, tfjsApi } from '@chainrules/tfjs';
import { jaxAdapter } from '@chainrules/jax';
import { gaussian, huber, layerNorm, lennardJones, logsumexp, sigmoid, softmax, softplus } from '../src/index';
import { NATIVE, fill, jaxNative, latticePositions, nativeLennardJones, random } from '../test/engineSupport';
import type { EngineCase, Fill, Xp } from '../test/engineSupport';
import { compare, report } from '../../../tools/measure';

type V = any;

interface BenchCase {
  readonly label: string;
  readonly f: AnyFunction;
  readonly x: Fill;
  readonly diff: Readonly<Record<string, Fill>>;
  readonly fixed?: Readonly<Record<string, unknown>>;
  readonly outShape: readonly number[];
  readonly native: EngineCase['native'];
  /** For rules whose plain formula overflows: the same max-shifted form the rule computes, as a third row. */
  readonly stable?: EngineCase['native'];
  /** A rule with two outputs `[energy, forces]`: the loss is energy + Σ w·forces (w of `outShape`, the forces' shape). */
  readonly pair?: true;
  /** The values of x, where a random fill will not do. */
  readonly xValues?: (rand: () => number) => number[];
}

// The overflow-safe forms the rules compute (max-shifted), written with engine ops, so that the
// price of stability is told apart from the price of the rule.
const stableLogsumexp = (xp: Xp, x: V, o: Record<string, V>): V => {
  const z = xp.divide(x, o.temperature);
  const m = xp.max(z, { axis: -1, keepdims: true });
  const l = xp.add(m, xp.log(xp.sum(xp.exp(xp.subtract(z, m)), { axis: -1, keepdims: true })));
  return xp.reshape(xp.multiply(o.temperature, l), xp.shape(l).slice(0, -1));
};
const stableSoftmax = (xp: Xp, x: V, o: Record<string, V>): V => {
  const z = xp.divide(x, o.temperature);
  const e = xp.exp(xp.subtract(z, xp.max(z, { axis: -1, keepdims: true })));
  return xp.divide(e, xp.sum(e, { axis: -1, keepdims: true }));
};
const stableSoftplus = (xp: Xp, x: V): V => xp.add(xp.maximum(x, 0), xp.log(xp.add(1, xp.exp(xp.negative(xp.abs(x))))));

const N = 100_000;
const sc = (lo: number, hi: number): Fill => ({ shape: [], lo, hi });
const CASES: readonly BenchCase[] = [
  { label: 'gaussian x[1e5], pos/sigma/amplitude scalars', f: gaussian, x: { shape: [N], lo: -2, hi: 2 }, diff: { pos: sc(-0.5, 0.5), sigma: sc(0.8, 1.5), amplitude: sc(0.5, 2) }, outShape: [N], native: NATIVE.gaussian },
  { label: 'logsumexp x[1000,100], axis -1, temperature', f: logsumexp, x: { shape: [1000, 100], lo: -2, hi: 2 }, diff: { temperature: sc(0.7, 1.5) }, fixed: { axis: -1 }, outShape: [1000], native: NATIVE.logsumexp(-1), stable: stableLogsumexp },
  { label: 'softmax x[1000,100], axis -1, temperature', f: softmax, x: { shape: [1000, 100], lo: -2, hi: 2 }, diff: { temperature: sc(0.7, 1.5) }, fixed: { axis: -1 }, outShape: [1000, 100], native: NATIVE.softmax(-1), stable: stableSoftmax },
  { label: 'huber x[1e5], delta', f: huber, x: { shape: [N], lo: -2.5, hi: 2.5 }, diff: { delta: sc(0.6, 1.4) }, outShape: [N], native: NATIVE.huber },
  { label: 'layerNorm x[1000,100], gamma/beta [100], eps', f: layerNorm, x: { shape: [1000, 100], lo: -2, hi: 2 }, diff: { gamma: { shape: [100], lo: 0.5, hi: 1.5 }, beta: { shape: [100], lo: -0.5, hi: 0.5 }, eps: sc(1e-5, 1e-5) }, outShape: [1000, 100], native: NATIVE.layerNorm },
  { label: 'softplus x[1e5]', f: softplus, x: { shape: [N], lo: -3, hi: 3 }, diff: {}, outShape: [N], native: NATIVE.softplus, stable: stableSoftplus },
  { label: 'sigmoid x[1e5]', f: sigmoid, x: { shape: [N], lo: -3, hi: 3 }, diff: {}, outShape: [N], native: NATIVE.sigmoid },
  {
    label: 'lennardJones positions[216,3] (46,656 pairs), epsilon/sigma, loss energy + Σ w·forces',
    f: lennardJones,
    x: { shape: [216, 3], lo: 0, hi: 0 },
    xValues: (rand) => latticePositions(216, rand),
    diff: { epsilon: sc(0.5, 1), sigma: sc(0.9, 1.1) },
    outShape: [216, 3],
    native: (xp, x, o) => nativeLennardJones(xp, x, o.epsilon, o.sigma),
    pair: true,
  },
];

type How = 'native' | 'stable' | 'rule';
const callRule = (c: BenchCase, x: V, o: Record<string, V>): V => (c.fixed === undefined && Object.keys(c.diff).length === 0 ? c.f(x) : c.f(x, { ...c.fixed, ...o }));
const data = (c: BenchCase, seed: number) => {
  const rand = random(seed);
  return { x: c.xValues?.(rand) ?? fill(rand, c.x), o: Object.fromEntries(Object.entries(c.diff).map(([k, f]) => [k, fill(rand, f)])), w: fill(rand, { shape: c.outShape, lo: -1.5, hi: 1.5 }) };
};
const timing = { batch: 2, samples: 11, warmup: 1 };
const started = Date.now();

console.log(`\n@chainrules/rules on engines — Node ${process.version}, ${new Date().toISOString()}`);
console.log('gradient of Σ w·f(x, opts) w.r.t. x and every differentiable option; ratio = rule / native (first row)');

// TF.js (CPU backend): tf.grads, the rule's rrule + pullback against TF.js's own gradients.
await tf.setBackend('cpu');
await tf.ready();
const uninstallTf = installAdapter(tfjsAdapter);
const tensorsBefore = tf.memory().numTensors;
for (const [i, c] of CASES.entries()) {
  const d = data(c, i + 1);
  const names = Object.keys(c.diff);
  const w = tf.tensor(d.w, [...c.outShape]);
  const inputs = [tf.tensor(d.x, [...c.x.shape]), ...names.map((k) => tf.tensor(d.o[k]!, [...c.diff[k]!.shape]))];
  const loss = (how: How) => (...t: tf.Tensor[]): tf.Scalar => {
    const o = Object.fromEntries(names.map((k, j) => [k, t[j + 1]]));
    const y = how === 'rule' ? callRule(c, t[0], o) : (how === 'stable' ? c.stable! : c.native)(tfjsApi as Xp, t[0], o);
    return c.pair ? (tf.add(y[0], tf.sum(tf.mul(w, y[1]))) as tf.Scalar) : tf.sum(tf.mul(w, y));
  };
  const run = (how: How) => {
    const g = tf.grads(loss(how));
    return (n: number) => {
      let s = 0;
      for (let r = 0; r < n; r++) {
        const gs = g(inputs);
        for (const t of gs) s += t.dataSync()[0]!;
        tf.dispose(gs);
      }
      return s;
    };
  };
  const stable = c.stable === undefined ? [] : [{ name: "TF.js's own autodiff, max-shifted formula", run: run('stable') }];
  report(`TF.js tf.grads — ${c.label}`, compare([{ name: "TF.js's own autodiff of the formula", run: run('native') }, ...stable, { name: 'through the rule (rrule + pullback)', run: run('rule') }], timing));
  tf.dispose([w, ...inputs]);
}
uninstallTf();
console.log(`\nTF.js tensors alive after the TF.js rows: ${tf.memory().numTensors} (before: ${tensorsBefore})`);

// jax-js (wasm backend): grad eager and jit(grad), the frule transposed against jax-js's own grad.
await init('wasm');
const uninstallJax = installAdapter(jaxAdapter);
const memoryBefore = process.memoryUsage();
const jarr = (values: readonly number[], shape: readonly number[]): JaxArray => np.array(Float32Array.from(values), { shape: [...shape] });
const readAll = (out: unknown): number => {
  const [gx, go] = out as [JaxArray, Record<string, JaxArray> | undefined];
  let s = (gx.dataSync() as ArrayLike<number>)[0]!;
  for (const g of Object.values(go ?? {})) s += (g.dataSync() as ArrayLike<number>)[0]!;
  return s;
};
for (const [i, c] of CASES.entries()) {
  const d = data(c, i + 1);
  const names = Object.keys(c.diff);
  const w = jarr(d.w, c.outShape);
  const x = jarr(d.x, c.x.shape);
  const tree = Object.fromEntries(names.map((k) => [k, jarr(d.o[k]!, c.diff[k]!.shape)]));
  const loss = (how: How) => (xx: JaxArray, o: Record<string, JaxArray>): JaxArray => {
    const y = how === 'rule' ? callRule(c, xx, o) : jaxNative(how === 'stable' ? c.stable! : c.native, xx, o);
    return c.pair ? np.add(y[0], np.sum(np.multiply(w.ref, y[1]))) : np.sum(np.multiply(w.ref, y));
  };
  // Always both arguments (an empty tree for rules without options), so every row reads the same.
  const gradOf = (how: How) => grad(loss(how), { argnums: [0, 1] }) as unknown as (x: JaxArray, o: Record<string, JaxArray>) => unknown;
  const args = (): [JaxArray, Record<string, JaxArray>] => [x.ref, Object.fromEntries(names.map((k) => [k, tree[k]!.ref]))];
  const run = (g: (x: JaxArray, o: Record<string, JaxArray>) => unknown) => (n: number) => {
    let s = 0;
    for (let r = 0; r < n; r++) s += readAll(g(...args()));
    return s;
  };
  const hows: How[] = c.stable === undefined ? ['native', 'rule'] : ['native', 'stable', 'rule'];
  const eagerName = { native: "jax-js's own grad of the formula", stable: "jax-js's own grad, max-shifted formula", rule: 'through the rule (frule, transposed)' };
  report(`jax-js grad, eager — ${c.label}`, compare(hows.map((how) => ({ name: eagerName[how], run: run(gradOf(how)) })), timing));
  const jitted = hows.map((how) => jit(gradOf(how) as V) as V);
  const jitName = { native: 'jit(grad) of the formula', stable: 'jit(grad) of the max-shifted formula', rule: 'jit(grad) through the rule' };
  report(`jax-js jit(grad) — ${c.label}`, compare(hows.map((how, j) => ({ name: jitName[how], run: run(jitted[j]) })), timing));
  for (const j of jitted) j.dispose();
  w.dispose();
  x.dispose();
  for (const t of Object.values(tree)) t.dispose();
}
uninstallJax();
const memoryAfter = process.memoryUsage();
const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
console.log(`\njax-js rows (no forced GC; the wasm heap in external only grows): arrayBuffers ${mb(memoryBefore.arrayBuffers)} → ${mb(memoryAfter.arrayBuffers)}, external ${mb(memoryBefore.external)} → ${mb(memoryAfter.external)}`);
console.log(`\n(TF.js cpu backend, jax-js wasm backend; medians of ${timing.samples} interleaved rounds of ${timing.batch} calls after warm-up; ${((Date.now() - started) / 1000).toFixed(0)} s)`);
