/**
 * `npm run bench` in packages/rules: what a rule costs on plain numbers and on float64
 * reference arrays (@chainrules/testing's f64), as ratios against the plain function measured
 * in the same run. For each rule: the plain call `f(x, opts)`, and `rrule(kwcall, opts, f, x)`
 * followed by `pullback(ȳ)` — the forward pass plus every cotangent, options included. For the
 * Gaussian on numbers, the value and gradient written by hand give the floor.
 *
 * Engine timings (TF.js, jax-js), where a rule competes with the engine's own autodiff, belong
 * to the adapters' benches.
 */
import { installAdapter, kwcall, rrule } from '@chainrules/core';
import type { AnyFunction } from '@chainrules/core';
import { F64Array, f64, referenceAdapter } from '@chainrules/testing';
import { gaussian, gaussianNd, huber, layerNorm, logit, logsumexp, sigmoid, softmax, softplus } from '../src/index';
import { compare, report } from '../../../tools/measure';

console.log(`@chainrules/rules benchmarks — Node ${process.version}, ${new Date().toISOString()}`);

/** The two rows for one rule: the plain call and the rule with its pullback. */
function rows(label: string, f: AnyFunction, makeX: (i: number) => unknown, opts: Record<string, unknown> | undefined, cotangent: unknown, read: (v: unknown) => number) {
  return [
    {
      name: `plain ${label}`,
      run: (n: number) => {
        let s = 0;
        for (let i = 0; i < n; i++) s += read(opts === undefined ? f(makeX(i)) : f(makeX(i), opts));
        return s;
      },
    },
    {
      name: `rrule + pullback ${label}`,
      run: (n: number) => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          const [y, pullback] = (opts === undefined ? rrule(f, makeX(i)) : rrule(kwcall, opts, f, makeX(i)))!;
          const slots = pullback(cotangent);
          s += read(y) + read(slots[slots.length - 1]);
        }
        return s;
      },
    },
  ];
}

const num = (v: unknown) => v as number;
const x1 = (i: number) => 0.25 + (i % 7) * 0.1;

// The Gaussian by hand: value and the three option derivatives plus x̄.
function gaussianByHand(x: number, pos: number, sigma: number, a: number): [number, (dy: number) => [number, number, number, number]] {
  const u = (x - pos) / sigma;
  const e = Math.exp(-0.5 * u * u);
  const y = a * e;
  return [y, (dy) => [-dy * y * u / sigma, dy * y * u / sigma, dy * y * u * u / sigma, dy * e]];
}

report('1. gaussian on numbers, { pos, sigma, amplitude } passed', compare([
  ...rows('gaussian(x, { pos, sigma, amplitude })', gaussian, x1, { pos: 0.3, sigma: 0.8, amplitude: 2 }, 1, num),
  {
    name: 'closed form by hand: value and 4 derivatives',
    run: (n: number) => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        const [y, pb] = gaussianByHand(x1(i), 0.3, 0.8, 2);
        s += y + pb(1)[0];
      }
      return s;
    },
  },
]));
report('2. logsumexp on numbers, temperature passed', compare(rows('logsumexp(x, { temperature })', logsumexp, x1, { temperature: 0.5 }, 1, num)));
report('3. huber on numbers, delta passed', compare(rows('huber(x, { delta })', huber, x1, { delta: 0.5 }, 1, num)));
report('4a. softplus on numbers', compare(rows('softplus(x)', softplus, x1, undefined, 1, num)));
report('4b. sigmoid on numbers', compare(rows('sigmoid(x)', sigmoid, x1, undefined, 1, num)));
report('4c. logit on numbers', compare(rows('logit(p)', logit, (i) => 0.05 + (i % 9) * 0.1, undefined, 1, num)));

// f64 reference arrays: the plain function also runs through f64Api, so the ratio is the rule's
// extra work (its pullback), not dispatch.
const uninstall = installAdapter(referenceAdapter);
const first = (v: unknown) => (v as F64Array).data[0] ?? 0;
const vec = f64(Array.from({ length: 256 }, (_, i) => Math.sin(i) * 3));
const mat = f64(Array.from({ length: 16 }, (_, i) => Array.from({ length: 16 }, (_, j) => Math.cos(i * 16 + j) * 2)));
const pts = f64(Array.from({ length: 128 }, (_, i) => [Math.sin(i), Math.cos(i)]));
const ones = (like: F64Array) => new F64Array(Float64Array.from(like.data, (_, i) => 1 + (i % 3) * 0.1), like.shape);
const array = { batch: 200, samples: 21 };

report('5. gaussian on f64[256], { pos, sigma, amplitude } scalars', compare(rows('gaussian(x[256], opts)', gaussian, () => vec, { pos: 0.3, sigma: 0.8, amplitude: 2 }, ones(vec), first), array));
report('6. gaussianNd on f64[128, 2], pos and sigma [2]', compare(rows('gaussianNd(points[128,2], opts)', gaussianNd, () => pts, { pos: f64([0.1, 0.2]), sigma: f64([1, 2]), amplitude: 2 }, ones(f64(new Float64Array(128))), first), array));
report('7a. softmax on f64[16, 16], axis -1, temperature passed', compare(rows('softmax(x[16,16], { temperature })', softmax, () => mat, { temperature: 0.7 }, ones(mat), first), array));
report('7b. logsumexp on f64[16, 16], axis -1, temperature passed', compare(rows('logsumexp(x[16,16], { temperature })', logsumexp, () => mat, { temperature: 0.7 }, ones(f64(new Float64Array(16))), first), array));
report('8. layerNorm on f64[16, 16], gamma and beta [16], eps passed', compare(rows('layerNorm(x[16,16], opts)', layerNorm, () => mat, { gamma: ones(f64(new Float64Array(16))), beta: f64(new Float64Array(16)), eps: 1e-5 }, ones(mat), first), array));
report('9a. huber on f64[256], delta passed', compare(rows('huber(x[256], { delta })', huber, () => vec, { delta: 1 }, ones(vec), first), array));
report('9b. sigmoid on f64[256]', compare(rows('sigmoid(x[256])', sigmoid, () => vec, undefined, ones(vec), first), array));
uninstall();
