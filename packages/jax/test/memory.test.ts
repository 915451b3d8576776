import { describe, expect, it } from 'vitest';
import { grad, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { counts, foo, rsq } from './support/rules';
import { useJax } from './support/setup';

const N = 100_000;
const CALLS = 2_000;
/** One leaked float32 array of N elements. */
const ONE_ARRAY = 4 * N;
/** Allowed growth over all calls: 10 arrays in total, a two-hundredth of an array per call. */
const TOLERANCE = 10 * ONE_ARRAY;

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();
/**
 * Live memory: `arrayBuffers` (the figure the brief names: JS-side buffers) and `external`,
 * which is where Node counts the wasm backend's memory (`arrayBuffers` does not see it, as
 * the leak control below shows).
 */
async function reading(): Promise<{ arrayBuffers: number; external: number }> {
  // Twice, with a turn of the event loop between: jax-js frees some buffers in finalizers.
  for (let i = 0; i < 2; i++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const { arrayBuffers, external } = process.memoryUsage();
  return { arrayBuffers, external };
}

describe('memory', () => {
  useJax();

  it(`is stable over ${CALLS} grad calls on ${N}-element arrays (frule and rrule-only rules), and a leak would show`, async () => {
    const x = np.linspace(0, 1, N);
    const b = np.linspace(1, 2, N);
    const c = np.array(3);
    const viaFrule = grad((v: JaxArray) => np.sum(foo(v, b, { c })));
    const viaRrule = grad((v: JaxArray) => np.sum(rsq(v, { w: c })));
    // Each gradient is computed and read (jax-js is lazy: an array takes memory once it is
    // realised, which reading does), then dropped.
    const step = (i: number): void => {
      const g = (i % 2 === 0 ? viaFrule : viaRrule)(x.ref);
      g.ref.dataSync();
      g.dispose();
    };
    for (let i = 0; i < 100; i++) step(i); // warm-up: the wasm heap reaches its working size
    const before = await reading();
    for (let i = 0; i < CALLS; i++) step(i);
    const after = await reading();
    const growth = { arrayBuffers: after.arrayBuffers - before.arrayBuffers, external: after.external - before.external };
    console.info(`memory over ${CALLS} grad calls on ${N} elements: arrayBuffers ${before.arrayBuffers} → ${after.arrayBuffers} B, external ${before.external} → ${after.external} B`);
    expect(growth.arrayBuffers).toBeLessThan(TOLERANCE);
    expect(growth.external).toBeLessThan(TOLERANCE);
    expect(counts.frule).toBe(CALLS / 2 + 50);
    expect(counts.rrrule).toBe(CALLS / 2 + 50);

    // The control: 30 gradients kept alive are seen (so the stable figure above means something).
    const kept: JaxArray[] = [];
    for (let i = 0; i < 30; i++) {
      const g = viaFrule(x.ref);
      g.ref.dataSync();
      kept.push(g);
    }
    const leaked = await reading();
    expect(leaked.external - after.external).toBeGreaterThan(TOLERANCE);
    for (const g of kept) g.dispose();
    for (const v of [x, b, c]) v.dispose();
  }, 120_000);
});
