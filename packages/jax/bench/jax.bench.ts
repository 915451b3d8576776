/**
 * `npm run bench -w @chainrules/jax`: the cost of running a rule under jax-js (wasm backend),
 * as ratios against jax-js's own jvp and grad of the same math, measured in the same run.
 *
 * The function is the seed, y = Σ a·b·c (c an option): through the shared fixture `foo` of
 * `@chainrules/testing/fixtures` (its frule
 * drives jvp, and grad by transposition) against the same expression in jax-js ops. Scalars
 * and 1e5 elements, eager and under jit. Goals: ≤ 1.2× eager, ≤ 1.05× under jit. Every result
 * is read (`dataSync`), since jax-js evaluates lazily. Beside the medians, each comparison prints
 * the ratio of the two candidates' fastest rounds, a second reading for a shared machine, where
 * the medians of one run swing with its load (0.3× to 1.8× between runs of the same code).
 */
import { grad, init, jit, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { installAdapter } from '@chainrules/core';
import { foo } from '@chainrules/testing/fixtures';
import { jaxAdapter } from '../src/index';
import { compare, report } from '../../../tools/measure';
import type { Candidate, CompareOptions } from '../../../tools/measure';

await init('wasm');
installAdapter(jaxAdapter);

const read = (x: JaxArray): void => void x.dataSync();

/** Compares jax-js's own candidate with the rule's: the medians' table, then the fastest rounds' ratio. */
function measure(title: string, own: Candidate, rule: Candidate, options: CompareOptions, goal: number): void {
  const fastest = [Infinity, Infinity];
  const timed = (candidate: Candidate, i: number): Candidate => ({
    name: candidate.name,
    run: (n) => {
      const start = process.hrtime.bigint();
      candidate.run(n);
      fastest[i] = Math.min(fastest[i]!, Number(process.hrtime.bigint() - start) / n);
    },
  });
  report(title, compare([timed(own, 0), timed(rule, 1)], options), { [rule.name]: goal });
  const ratio = fastest[1]! / fastest[0]!;
  console.log(`  fastest rounds: ${ratio.toFixed(2)}× (goal ≤ ${goal}×: ${ratio <= goal ? 'met' : 'missed'})`);
}

function scenario(size: number, jitted: boolean): void {
  const shape = size === 1 ? [] : [size];
  const make = (v: number): JaxArray => (size === 1 ? np.array(v) : np.full(shape, v));
  const b = make(3);
  const c = np.array(2);
  const t = make(1);
  // b and c are used again on every call: the rule-aware call, like jax-js's own, gets one more reference.
  const viaRule = (x: JaxArray): JaxArray => np.sum(foo(x, b.ref, { c: c.ref }));
  const native = (x: JaxArray): JaxArray => np.sum(np.multiply(np.multiply(x, b.ref), c.ref));
  const label = `${size === 1 ? 'scalar' : `${size} elements`}, ${jitted ? 'under jit' : 'eager'}`;
  const wrap = <F extends (x: JaxArray) => JaxArray>(f: F): F => (jitted ? (jit(f) as unknown as F) : f);
  const gradRule = wrap(grad(viaRule));
  const gradNative = wrap(grad(native));
  const jvpRule = wrap((x: JaxArray) => jvp(viaRule, [x], [t.ref])[1]);
  const jvpNative = wrap((x: JaxArray) => jvp(native, [x], [t.ref])[1]);
  const x = make(1.5);
  const times = (f: (x: JaxArray) => JaxArray) => (n: number) => {
    for (let i = 0; i < n; i++) read(f(x.ref));
  };
  const options = size === 1 ? { batch: jitted ? 200 : 20, samples: 41 } : { batch: 10, samples: 41 };
  const goal = jitted ? 1.05 : 1.2;
  measure(`jvp, ${label}`, { name: "jax-js's own jvp", run: times(jvpNative) }, { name: 'jvp through the rule (frule)', run: times(jvpRule) }, options, goal);
  measure(`grad, ${label}`, { name: "jax-js's own grad", run: times(gradNative) }, { name: 'grad through the rule (frule, transposed)', run: times(gradRule) }, options, goal);
}

const started = Date.now();
for (const size of [1, 100_000]) for (const jitted of [false, true]) scenario(size, jitted);
console.log(`\n(wasm backend; medians and fastest of interleaved rounds; ${((Date.now() - started) / 1000).toFixed(0)} s)`);
