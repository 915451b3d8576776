import { describe, expect, it } from 'vitest';
import { grad, jit, numpy as np, valueAndGrad, vjp } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { defineRule, traceRules } from '@chainrules/core';
import { counts, energy, foo, hub, rsq } from './support/rules';
import { affine, forces, raffine, resetTally, rforces, rstats, stats, tally } from './support/structure';
import { errorOf, useJax } from './support/setup';
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
async function growth(step: (i: number) => void, steps = STEPS, warmUp = 20): Promise<{ external: number; arrayBuffers: number }> {
  for (let i = 0; i < warmUp; i++) step(i);
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
  // The rule trace keeps names, codes and shapes only: a traced step frees what an untraced one does.
  'a training step inside traceRules': (i) => drop(traceRules(() => grad((x: JaxArray) => np.sum(foo(x, fresh(i, 2), { c: fresh(i, 3) })))(fresh(i))).result),
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

// Rules with several outputs and record arguments, over 1,000 steps (300 for some) with fresh inputs: smaller
// arrays (10⁴ elements, 40 kB each), so that a leak of one array in every step (40 MB in all)
// stands far above the tolerance, and so does the control's one array in four steps (10 MB).
const M = 10_000;
const LONG = 1_000;
/** Steps of the scenarios kept shorter, for the small shared machines the suite runs on: one array leaked a step is still 12 MB there. */
const SHORT = 300;
const LONG_TOLERANCE = 2 ** 21; // 2 MB
const freshM = freshInputs(M, LONG);
const weights = (i: number): JaxArray => freshM(i, -1);

/** E + Σ F·w of forces-like rule `f`, for fresh weights. */
const both = (f: typeof forces, i: number) => (x: JaxArray, o: { k: JaxArray }): JaxArray => {
  const [e, F] = f(x, o);
  return np.add(e, np.sum(np.multiply(F, weights(i))));
};

/** rboom(x) = [x, 2x] whose pullback throws: a traced pullback that fails, every step. */
const rboom = defineRule((x: JaxArray) => [x, x], {
  name: 'rboom',
  rrule: ({ xp }, _o, x) => [[xp.multiply(x, 1), xp.multiply(x, 2)], () => {
    throw new Error('boom');
  }],
});

const structured: Record<string, (i: number) => void> = {
  'grad of both outputs of a tuple (frule), x and an option fresh': (i) => {
    const g = grad(both(forces, i), { argnums: [0, 1] })(freshM(i), { k: np.array(1.5) }) as [JaxArray, { k: JaxArray }];
    drop(g[0], g[1].k);
  },
  'grad of both outputs of a tuple (rrule only, traced pullback)': (i) => {
    const g = grad(both(rforces, i), { argnums: [0, 1] })(freshM(i), { k: np.array(1.5) }) as [JaxArray, { k: JaxArray }];
    drop(g[0], g[1].k);
  },
  'grad of one output of a record, the other unused and disposed, as jax-js asks of any array (frule and rrule only)': (i) => {
    drop(
      grad((x: JaxArray) => {
        const { value, aux } = stats(x) as { value: JaxArray; aux: JaxArray };
        value.dispose();
        return np.sum(aux);
      })(freshM(i)),
    );
    drop(
      grad((x: JaxArray) => {
        const { value, aux } = rstats(x) as { value: JaxArray; aux: JaxArray };
        aux.dispose();
        return value;
      })(freshM(i)),
    );
  },
  'vjp with the tuple as the output, and the plain calls outside differentiation': (i) => {
    const [[e, F], back] = vjp((x: JaxArray) => forces(x, { k: np.array(2) }), [freshM(i)]) as unknown as [[JaxArray, JaxArray], ((ct: JaxArray[]) => JaxArray[]) & { dispose(): void }];
    const [xbar] = back([np.array(1), freshM(i, 3)]);
    back.dispose();
    drop(e!, F!, xbar!);
    const [e2, F2] = forces(freshM(i), { k: np.array(2) });
    drop(e2, F2);
  },
  'grad w.r.t. a record argument (frule and rrule only)': (i) => {
    for (const f of [affine, raffine]) {
      const g = grad((p: { w: JaxArray; b: JaxArray }) => np.sum(np.square(f(p, freshM(i)))))({ w: np.array(1 + i / LONG), b: np.array(0.5) });
      drop(g.w, g.b);
    }
  },
  'a traced pullback that throws, every step': (i) => {
    const caught = errorOf(() => grad((x: JaxArray) => np.sum((rboom(x) as JaxArray[])[1]!))(freshM(i)));
    if ((caught as { code?: string } | undefined)?.code !== 'unsupported') throw new Error(`expected the pullback's error, got ${String(caught)}`);
  },
};

/** The scenarios run for {@link SHORT} steps; the others for {@link LONG}. */
const shorter = new Set(['grad of one output of a record, the other unused and disposed, as jax-js asks of any array (frule and rrule only)', 'vjp with the tuple as the output, and the plain calls outside differentiation', 'grad w.r.t. a record argument (frule and rrule only)']);

describe(`memory with several outputs and record arguments, over ${LONG} steps (${SHORT} for some) on ${M}-element arrays`, () => {
  useJax();

  for (const [name, step] of Object.entries(structured)) {
    const steps = shorter.has(name) ? SHORT : LONG;
    it(`is flat over ${steps} steps: ${name}`, async () => {
      resetTally();
      const grown = await growth(step, steps, 50);
      console.info(`${name}: external ${grown.external} B, arrayBuffers ${grown.arrayBuffers} B over ${steps} steps`);
      expect(grown.external).toBeLessThan(LONG_TOLERANCE);
      expect(grown.arrayBuffers).toBeLessThan(LONG_TOLERANCE);
      expect(tally.impl).toBe(name.includes('plain calls') ? steps + 50 : 0);
    }, 300_000);
  }

  it(`is flat under jit: a jitted step taking valueAndGrad of both outputs of a tuple, its inputs fresh each step`, async () => {
    resetTally();
    for (const f of [forces, rforces]) {
      const step = jit((x: JaxArray, w: JaxArray, k: JaxArray) =>
        valueAndGrad((v: JaxArray) => {
          const [e, F] = f(v, { k });
          return np.add(e, np.sum(np.multiply(F, w)));
        })(x),
      );
      const grown = await growth((i) => drop(...step(freshM(i), weights(i), np.array(1.5))), LONG, 50);
      console.info(`jit step (${f === forces ? 'frule' : 'rrule only'}): external ${grown.external} B, arrayBuffers ${grown.arrayBuffers} B over ${LONG} steps`);
      expect(grown.external).toBeLessThan(LONG_TOLERANCE);
      step.dispose();
    }
    expect(tally.impl).toBe(0);
  }, 300_000);

  it('the control: one forces output kept in four steps is seen', async () => {
    const kept: JaxArray[] = [];
    const grown = await growth(
      (i) => {
        const [e, F] = forces(freshM(i), { k: np.array(2) });
        drop(e);
        F.ref.dataSync();
        if (i % 4 === 0) kept.push(F);
        else F.dispose();
      },
      LONG,
      50,
    );
    console.info(`control (${kept.length} outputs kept): external ${grown.external} B over ${LONG} steps`);
    expect(grown.external).toBeGreaterThan(LONG_TOLERANCE);
    for (const F of kept) F.dispose();
  }, 300_000);
});
