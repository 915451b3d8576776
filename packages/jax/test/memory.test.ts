import { describe, expect, it } from 'vitest';
import { grad, jit, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { counts, energy, foo, hub, rsq } from './support/rules';
import { useJax } from './support/setup';
import { drop, freshInputs } from './support/steps';

const N = 100_000;
const STEPS = 200;
/** One leaked float32 array of N elements. */
const ONE_ARRAY = 4 * N;
/** Allowed growth over all steps: a few arrays in total (the wasm heap grows in pages). */
const TOLERANCE = 4 * ONE_ARRAY;

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();
/**
 * Live memory: `external` is where Node counts the wasm backend's memory (`arrayBuffers` does
 * not see it); `arrayBuffers` is read too, for JS-side buffers.
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

/** Growth over `steps` calls of `step(i)` (after a warm-up that brings the wasm heap to its working size). */
async function growth(step: (i: number) => void, steps = STEPS): Promise<{ external: number; arrayBuffers: number }> {
  for (let i = 0; i < 20; i++) step(i);
  const before = await reading();
  for (let i = 0; i < steps; i++) step(i);
  const after = await reading();
  return { external: after.external - before.external, arrayBuffers: after.arrayBuffers - before.arrayBuffers };
}

const fresh = freshInputs(N, STEPS);

// Rule-aware functions follow jax-js's ownership convention: they consume what jax-js code hands
// them, so that a training loop with fresh inputs keeps a flat heap. Each step makes its inputs
// and temporaries anew, computes, reads and drops the result, and disposes nothing else.
const scenarios: Record<string, (i: number) => void> = {
  'grad(ruleAware)': (i) => drop(grad(energy)(fresh(i))),
  'a loss around an frule rule': (i) => drop(grad((x: JaxArray) => np.sum(foo(x, fresh(i, 2), { c: np.array(3) })))(fresh(i))),
  'an rrule-only rule': (i) => drop(grad((x: JaxArray) => np.sum(rsq(x, { w: fresh(i, 3) })))(fresh(i))),
  'an options array, fresh each step': (i) => drop(grad((o: { c: JaxArray }) => np.sum(foo(fresh(i), fresh(i, 2), o)))({ c: fresh(i, 3) }).c),
  'an eager valueAndGrad training step, a temporary handed to a Huber-like rule': (i) => {
    const [loss, g] = valueAndGrad((w: JaxArray) => np.mean(hub(np.subtract(np.multiply(w, fresh(i)), fresh(i, 2)), { delta: np.array(0.5) })))(np.array(1.5));
    drop(loss, g);
  },
};

describe('memory', () => {
  useJax();

  for (const [name, step] of Object.entries(scenarios)) {
    it(`is flat over ${STEPS} steps on ${N}-element arrays: ${name}`, async () => {
      const grown = await growth(step);
      console.info(`${name}: external ${grown.external} B, arrayBuffers ${grown.arrayBuffers} B over ${STEPS} steps`);
      expect(grown.external).toBeLessThan(TOLERANCE);
      expect(grown.arrayBuffers).toBeLessThan(TOLERANCE);
      expect(counts.impl + counts.rimpl).toBe(0);
    }, 120_000);
  }

  it(`is flat over ${STEPS} steps under jit: the Huber-like training step, its data and delta arguments fresh each step`, async () => {
    const step = jit((w: JaxArray, x: JaxArray, y: JaxArray, delta: JaxArray) =>
      valueAndGrad((v: JaxArray) => np.mean(hub(np.subtract(np.multiply(v, x), y), { delta })))(w),
    );
    const grown = await growth((i) => drop(...step(np.array(1.5), fresh(i), fresh(i, 2), np.array(0.5))));
    console.info(`jit training step: external ${grown.external} B, arrayBuffers ${grown.arrayBuffers} B over ${STEPS} steps`);
    expect(grown.external).toBeLessThan(TOLERANCE);
    step.dispose();
  }, 120_000);

  it('the control: arrays kept alive are seen, so a flat reading means something', async () => {
    // One step in four keeps its gradient: 50 arrays over the 200 measured steps. (The wasm heap
    // never shrinks, so fewer might fit in the room the warm-up left; a leak in every step cannot.)
    const kept: JaxArray[] = [];
    const grown = await growth((i) => {
      const g = grad(energy)(fresh(i));
      g.ref.dataSync();
      if (i % 4 === 0) kept.push(g);
      else g.dispose();
    });
    expect(kept.length).toBe(55); // 50 of the measured steps, 5 of the warm-up
    console.info(`control (50 gradients kept): external ${grown.external} B over ${STEPS} steps`);
    expect(grown.external).toBeGreaterThan(TOLERANCE);
    for (const g of kept) g.dispose();
  }, 120_000);

  it('a rule-aware call consumes each occurrence it is handed, in arguments and options: x.ref keeps one', () => {
    const a = np.array([1, 2]);
    const c = np.array(3);
    foo(a.ref, a.ref, { c: c.ref }).dispose();
    expect([a.refCount, c.refCount]).toEqual([1, 1]);
    foo(a.ref, a, { c }).dispose();
    expect([a.refCount, c.refCount]).toEqual([0, 0]);
  });

  it("an array handed more often than the caller held references is a RuleError ('disposed') that says to pass x.ref", () => {
    const a = np.array(2);
    let caught: unknown;
    try {
      grad((x: JaxArray) => foo(x, x, { c: x }))(a.ref);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'disposed', rule: 'foo' });
    expect((caught as { fix: string }).fix).toMatch(/x\.ref/);
    a.dispose();
  });

  it('…also when it throws, so nothing leaks after an exception', () => {
    const a = np.array([1, 2]);
    const c = np.array(3);
    expect(() => foo(a.ref, a.ref, { c: c.ref, mode: 'nope' as never })).toThrow();
    expect([a.refCount, c.refCount]).toEqual([1, 1]);
    let caught: unknown;
    try {
      grad((x: JaxArray) => np.sum(foo(x.ref, x, { c: c.ref, typo: 1 } as never)))(a.ref);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'unknown-option' });
    expect(c.refCount).toBe(1);
    a.dispose();
    c.dispose();
  });
});
