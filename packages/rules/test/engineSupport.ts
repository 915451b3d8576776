/**
 * The rules on real engines: one table of cases (inputs, options, the same math written with an
 * engine's own operations) and the float64 reference each engine is measured against. Shared by
 * test/engines.test.ts and bench/engines.bench.ts.
 */
import { NoTangent, Tangent, frule, kwcall, rrule } from '@chainrules/core';
import type { AnyFunction, ArrayApi } from '@chainrules/core';
import { F64Array, toNumbers, withReferenceAdapter } from '@chainrules/testing';
import { jaxApi } from '@chainrules/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { gaussian, gaussianNd, huber, layerNorm, logit, logsumexp, sigmoid, softmax, softplus } from '../src/index';

type V = any;
/** An engine's `ArrayApi` (tfjsApi, jaxApi): the native formulas below are plain engine ops through it. */
export type Xp = ArrayApi<V, V>;

/** How to fill an input: its shape and the range of its values. */
export interface Fill {
  readonly shape: readonly number[];
  readonly lo: number;
  readonly hi: number;
}

export interface EngineCase {
  readonly name: string;
  readonly f: AnyFunction;
  readonly x: Fill;
  /** The differentiable options the case passes (each gets a gradient). */
  readonly diff: Readonly<Record<string, Fill>>;
  /** Static options, closed over (never differentiated). */
  readonly fixed?: Readonly<Record<string, unknown>>;
  readonly outShape: readonly number[];
  /** The same function written with the engine's operations, for the engine's own autodiff. */
  readonly native: (xp: Xp, x: V, o: Record<string, V>) => V;
}

const s = (lo: number, hi: number): Fill => ({ shape: [], lo, hi });
const v = (shape: readonly number[], lo: number, hi: number): Fill => ({ shape, lo, hi });

// The native formulas: the textbook expressions, no stabilisation tricks (inputs are moderate).
const nGaussian = (xp: Xp, x: V, o: Record<string, V>): V => {
  const u = xp.divide(xp.subtract(x, o.pos), o.sigma);
  return xp.multiply(o.amplitude, xp.exp(xp.multiply(-0.5, xp.square(u))));
};
const nGaussianNd = (xp: Xp, p: V, o: Record<string, V>): V => {
  const u = xp.divide(xp.subtract(p, o.pos), o.sigma);
  return xp.multiply(o.amplitude, xp.exp(xp.multiply(-0.5, xp.sum(xp.square(u), { axis: -1 }))));
};
const nLogsumexp = (axis: number) => (xp: Xp, x: V, o: Record<string, V>): V =>
  xp.multiply(o.temperature, xp.log(xp.sum(xp.exp(xp.divide(x, o.temperature)), { axis })));
const nSoftmax = (axis: number) => (xp: Xp, x: V, o: Record<string, V>): V => {
  const e = xp.exp(xp.divide(x, o.temperature));
  return xp.divide(e, xp.sum(e, { axis, keepdims: true }));
};
// ½x² − ½·max(|x| − δ, 0)². The textbook `where(|x| ≤ δ, ½x², δ(|x| − ½δ))` cannot be differentiated
// by TF.js 4.22 with respect to δ (no gradient registered for LessEqual, which lies on δ's path);
// `min(|x|, δ)` needs δ broadcast by hand (TF.js's Minimum gradient does not sum over broadcast
// axes) and TF.js's BroadcastTo gradient takes ~1 s at 1e5 elements.
const nHuber = (xp: Xp, x: V, o: Record<string, V>): V => {
  const excess = xp.maximum(xp.subtract(xp.abs(x), o.delta), 0);
  return xp.multiply(0.5, xp.subtract(xp.square(x), xp.square(excess)));
};
const nLayerNorm = (xp: Xp, x: V, o: Record<string, V>): V => {
  const c = xp.subtract(x, xp.mean(x, { axis: -1, keepdims: true }));
  const variance = xp.mean(xp.square(c), { axis: -1, keepdims: true });
  return xp.add(xp.multiply(o.gamma, xp.divide(c, xp.sqrt(xp.add(variance, o.eps)))), o.beta);
};
const nSoftplus = (xp: Xp, x: V): V => xp.log(xp.add(1, xp.exp(x)));
const nSigmoid = (xp: Xp, x: V): V => xp.divide(1, xp.add(1, xp.exp(xp.negative(x))));
const nLogit = (xp: Xp, p: V): V => xp.subtract(xp.log(p), xp.log(xp.subtract(1, p)));

/**
 * Lennard-Jones energy and forces of positions `x` ([n, k]) written with engine operations (the
 * same masked, overflow-safe form the rule computes): `[energy, forces]`.
 */
export const nativeLennardJones = (xp: Xp, x: V, epsilon: V, sigma: V): [V, V] => {
  const r = xp.subtract(xp.expandDims(x, 1), xp.expandDims(x, 0));
  const d2Raw = xp.sum(xp.square(r), { axis: -1 });
  const apart = xp.greater(d2Raw, 0);
  const d2 = xp.where(apart, d2Raw, 1);
  const s2 = xp.divide(xp.square(sigma), d2);
  const s6 = xp.where(apart, xp.multiply(xp.square(s2), s2), 0);
  const s12 = xp.square(s6);
  const energy = xp.multiply(xp.multiply(2, epsilon), xp.sum(xp.subtract(s12, s6)));
  const g = xp.divide(xp.multiply(xp.multiply(24, epsilon), xp.subtract(xp.multiply(2, s12), s6)), d2);
  const forces = xp.sum(xp.multiply(xp.expandDims(g, -1), r), { axis: 1 });
  return [energy, forces];
};

/**
 * `n` atoms near the points of a cubic lattice of spacing 1.2 (jittered by ±0.1): no pair close
 * enough for the r⁻¹² terms to overflow float32. Row-major `[n, 3]`.
 */
export function latticePositions(n: number, rand: () => number): number[] {
  const side = Math.ceil(Math.cbrt(n));
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const cell = [i % side, Math.floor(i / side) % side, Math.floor(i / (side * side))];
    for (const c of cell) out.push(Math.fround(1.2 * c + 0.2 * (rand() - 0.5)));
  }
  return out;
}

/** The native formulas, by rule (logsumexp and softmax take their axis). */
export const NATIVE = { gaussian: nGaussian, gaussianNd: nGaussianNd, logsumexp: nLogsumexp, softmax: nSoftmax, huber: nHuber, layerNorm: nLayerNorm, softplus: nSoftplus, sigmoid: nSigmoid, logit: nLogit } as const;

/** Every exported rule, with its options broadcast where the rule allows it. */
export const CASES: readonly EngineCase[] = [
  { name: 'gaussian, pos [3] broadcast over x [4,3]', f: gaussian, x: v([4, 3], -2, 2), diff: { pos: v([3], -0.5, 0.5), sigma: s(0.8, 1.5), amplitude: s(0.5, 2) }, outShape: [4, 3], native: nGaussian },
  { name: 'gaussian, scalar options, x [6]', f: gaussian, x: v([6], -2, 2), diff: { pos: s(-0.5, 0.5), sigma: s(0.8, 1.5), amplitude: s(0.5, 2) }, outShape: [6], native: nGaussian },
  { name: 'gaussianNd, points [5,2], pos and sigma [2]', f: gaussianNd, x: v([5, 2], -1.5, 1.5), diff: { pos: v([2], -0.5, 0.5), sigma: v([2], 0.8, 1.5), amplitude: s(0.5, 2) }, outShape: [5], native: nGaussianNd },
  { name: 'logsumexp, axis -1, temperature', f: logsumexp, x: v([3, 4], -2, 2), diff: { temperature: s(0.7, 1.5) }, fixed: { axis: -1 }, outShape: [3], native: nLogsumexp(-1) },
  { name: 'logsumexp, axis 0, temperature', f: logsumexp, x: v([3, 4], -2, 2), diff: { temperature: s(0.7, 1.5) }, fixed: { axis: 0 }, outShape: [4], native: nLogsumexp(0) },
  { name: 'softmax, axis -1, temperature [3,1] per row', f: softmax, x: v([3, 4], -2, 2), diff: { temperature: v([3, 1], 0.7, 1.5) }, fixed: { axis: -1 }, outShape: [3, 4], native: nSoftmax(-1) },
  { name: 'softmax, axis 0, temperature', f: softmax, x: v([3, 4], -2, 2), diff: { temperature: s(0.7, 1.5) }, fixed: { axis: 0 }, outShape: [3, 4], native: nSoftmax(0) },
  { name: 'huber, delta', f: huber, x: v([10], -2.5, 2.5), diff: { delta: s(0.6, 1.4) }, outShape: [10], native: nHuber },
  { name: 'huber, delta [5] broadcast over x [2,5]', f: huber, x: v([2, 5], -2.5, 2.5), diff: { delta: v([5], 0.6, 1.4) }, outShape: [2, 5], native: nHuber },
  { name: 'layerNorm, gamma and beta [5], eps', f: layerNorm, x: v([4, 5], -2, 2), diff: { gamma: v([5], 0.5, 1.5), beta: v([5], -0.5, 0.5), eps: s(0.01, 0.1) }, outShape: [4, 5], native: nLayerNorm },
  { name: 'softplus', f: softplus, x: v([7], -3, 3), diff: {}, outShape: [7], native: nSoftplus },
  { name: 'sigmoid', f: sigmoid, x: v([7], -3, 3), diff: {}, outShape: [7], native: nSigmoid },
  { name: 'logit', f: logit, x: v([7], 0.1, 0.9), diff: {}, outShape: [7], native: nLogit },
];

/** Calls the rule-aware function of a case: `f(x)`, or `f(x, { ...static, ...differentiable })`. */
export function callRule(c: EngineCase, x: V, o: Record<string, V>): V {
  return Object.keys(c.diff).length === 0 && c.fixed === undefined ? c.f(x) : c.f(x, { ...c.fixed, ...o });
}

/** A deterministic generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Values rounded to float32, so the engines and the f64 reference see the same inputs. */
export function fill(rand: () => number, f: Fill): number[] {
  return Array.from({ length: size(f.shape) }, () => Math.fround(f.lo + (f.hi - f.lo) * rand()));
}

/** The inputs of one case: x, the differentiable options and the loss weights w. */
export interface CaseData {
  readonly x: number[];
  readonly o: Record<string, number[]>;
  readonly w: number[];
}

export function caseData(c: EngineCase, seed: number): CaseData {
  const rand = random(seed);
  return {
    x: fill(rand, c.x),
    o: Object.fromEntries(Object.entries(c.diff).map(([k, f]) => [k, fill(rand, f)])),
    w: fill(rand, { shape: c.outShape, lo: -1.5, hi: 1.5 }),
  };
}

const f64Of = (values: readonly number[], shape: readonly number[]): F64Array => new F64Array(Float64Array.from(values), shape);
const flat = (t: unknown): number[] => (typeof t === 'number' ? [t] : [...toNumbers(t as F64Array)]);

/** Gradients of Σ w·f(x, opts) in float64 by the rule's own rrule: x first, then each option. */
export function referenceGradients(c: EngineCase, d: CaseData): number[][] {
  return withReferenceAdapter(() => {
    const x = f64Of(d.x, c.x.shape);
    const w = f64Of(d.w, c.outShape);
    const names = Object.keys(c.diff);
    if (names.length === 0 && c.fixed === undefined) {
      const slots = rrule(c.f, x)![1](w);
      return [flat(slots[1])];
    }
    const opts = { ...c.fixed, ...Object.fromEntries(names.map((k) => [k, f64Of(d.o[k]!, c.diff[k]!.shape)])) };
    const slots = rrule(kwcall, opts, c.f, x)![1](w);
    const dkw = slots[1] as Tangent<Record<string, unknown>>;
    return [flat(slots[3]), ...names.map((k) => flat(dkw.get(k)))];
  });
}

/** The float64 frule of a case along tangents `t` (same layout as CaseData without w): [y, ẏ]. */
export function referenceJvp(c: EngineCase, d: CaseData, t: { x: number[]; o: Record<string, number[]> }): [number[], number[]] {
  return withReferenceAdapter(() => {
    const names = Object.keys(c.diff);
    const opts = { ...c.fixed, ...Object.fromEntries(names.map((k) => [k, f64Of(d.o[k]!, c.diff[k]!.shape)])) };
    const dopts = new Tangent(Object.fromEntries(names.map((k) => [k, f64Of(t.o[k]!, c.diff[k]!.shape)])));
    const [y, dy] = frule([NoTangent, dopts, NoTangent, f64Of(t.x, c.x.shape)], kwcall, opts, c.f, f64Of(d.x, c.x.shape))!;
    return [flat(y), flat(dy)];
  });
}

/** |got − want| ≤ rtol·|want| + atol·max(1, max|want|): float32 tolerances for a gradient. */
export function closeness(got: readonly number[], want: readonly number[], rtol = 1e-4, atol = 1e-5): { ok: boolean; worst: number } {
  if (got.length !== want.length) return { ok: false, worst: Infinity };
  const scale = Math.max(1, ...want.map(Math.abs));
  let worst = 0;
  got.forEach((g, i) => {
    const r = want[i]!;
    worst = Math.max(worst, Math.abs(g - r) / (rtol * Math.abs(r) + atol * scale));
  });
  return { ok: Number.isFinite(worst) && worst <= 1, worst };
}

/**
 * Runs a native formula on jax-js through jaxApi (plain jax-js numpy operations that borrow their
 * operands), disposes every intermediate, and consumes `x` and the option values as a jax-js
 * function (and a rule-aware one) does, so that it leaks nothing.
 */
export function jaxNative(native: EngineCase['native'], x: V, o: Record<string, V>): JaxArray {
  const made: JaxArray[] = [];
  const xp = new Proxy(jaxApi, {
    get: (target, key) => {
      const op = (target as V)[key];
      if (typeof op !== 'function' || key === 'shape') return op;
      return (...args: unknown[]) => {
        const r = op(...args);
        made.push(r);
        return r;
      };
    },
  }) as Xp;
  const y = native(xp, x, o) as JaxArray;
  const kept = new Set<unknown>(Array.isArray(y) ? y : [y]);
  for (const m of made) if (!kept.has(m)) m.dispose();
  for (const input of [x, ...Object.values(o)] as JaxArray[]) input.dispose();
  return y;
}
