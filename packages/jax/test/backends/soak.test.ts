import { beforeAll, describe, expect, it } from 'vitest';
import { grad, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { counts, energy, foo, hub } from '../support/rules';
import { useJax } from '../support/setup';
import { drop, freshInputs } from '../support/steps';
import { BACKEND } from '../support/backend';
import { selectJaxDevice } from '../../../../tools/backends/jax';
import { held } from '../../../../tools/backends/jaxAccounting';

// Leak checks with the device's own accounting (tools/backends/jaxAccounting.ts), over many
// gradients through rules, on 1e4-element arrays made fresh each step: in Chromium on each
// device, and in Node on wasm. jax-js is lazy: each
// step reads its results, so that every array is realised (holds a buffer) before it is dropped.
const N = 10_000;
const STEPS = 100;
const fresh = freshInputs(N, STEPS);

/** How much the device's holding grew over STEPS steps, after a warm-up of 10. */
function growth(step: (i: number) => void): number {
  for (let i = 0; i < 10; i++) step(i);
  const before = held(BACKEND);
  for (let i = 0; i < STEPS; i++) step(i);
  return held(BACKEND) - before;
}

const scenarios: Record<string, (i: number) => void> = {
  'grad of a rule-aware function': (i) => drop(grad(energy)(fresh(i))),
  'a loss around an frule rule, with an options array fresh each step': (i) => drop(grad((o: { c: JaxArray }) => np.sum(foo(fresh(i), fresh(i, 2), o)))({ c: fresh(i, 3) }).c),
  'an eager valueAndGrad training step through a Huber-like rule': (i) => {
    const [loss, g] = valueAndGrad((w: JaxArray) => np.mean(hub(np.subtract(np.multiply(w, fresh(i)), fresh(i, 2)), { delta: np.array(0.5) })))(np.array(1.5));
    drop(loss, g);
  },
};

describe(`jax-js ${BACKEND}: the device's holding is flat over ${STEPS} gradients`, () => {
  // Counts from the start of the file in Node; in Chromium the project's setup did it first.
  beforeAll(() => selectJaxDevice(BACKEND));
  useJax();

  for (const [name, step] of Object.entries(scenarios)) {
    it(name, () => {
      expect(growth(step)).toBe(0);
      expect(counts.impl + counts.rimpl).toBe(0);
    });
  }

  it('the control: gradients kept alive are seen', () => {
    const kept: JaxArray[] = [];
    const grown = growth((i) => {
      const g = grad(energy)(fresh(i));
      g.ref.dataSync();
      if (i % 2 === 0) kept.push(g);
      else g.dispose();
    });
    expect(grown).toBeGreaterThan(0);
    for (const g of kept) g.dispose();
  });
});
