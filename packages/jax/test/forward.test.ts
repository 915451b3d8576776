import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { grad, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { add, defineRule, kw, namespaceOf } from '@chainrules/core';
import { errorOf, js, useJax } from './support/setup';

type V = any;

// shift(x, { c, how }) = x + c. Its frule returns ẏ = ẋ + ċ as computed ('fine': a scalar ċ
// alone, constant along x's axes), ẏ of the wrong shape ('wide'), or a plain number ('number').
const shift = defineRule(
  (x: V, { c = 0 }: { c?: V; how?: 'fine' | 'wide' | 'number' } = {}): V => namespaceOf(x, c).add(x, c),
  {
    name: 'shift',
    kwargs: z.object({ c: kw.diff().default(0), how: z.enum(['fine', 'wide', 'number']).default('fine') }),
    frule: ({ xp }, { args: [dx], kwargs: dkw }, { c, how }, x) => {
      const y = xp.add(x, c);
      if (how === 'wide') return [y, xp.broadcastTo(xp.asarray(1), [5])];
      if (how === 'number') return [y, 1];
      return [y, add(dx, dkw.get('c'))];
    },
  },
);


describe("the frule's ẏ, brought onto the output", () => {
  useJax();

  it('a tangent smaller than the output (constant along its axes) is broadcast up, and grad transposes it', () => {
    const [y, dy] = jvp((c: JaxArray) => shift(np.array([1, 2, 3]), { c }), [np.array(10)], [np.array(1)]);
    expect([js(y), js(dy)]).toEqual([[11, 12, 13], [1, 1, 1]]);
    expect(js(grad((c: JaxArray) => np.sum(shift(np.array([1, 2, 3]), { c })))(np.array(10)))).toBe(3);
  });

  it("a tangent larger than the output is 'wrong-shape' for the slot 'output', never summed", () => {
    const caught = errorOf(() => jvp((x: JaxArray) => shift(x, { how: 'wide' }), [np.array([1, 2, 3])], [np.array([1, 1, 1])]));
    expect(caught).toMatchObject({ code: 'wrong-shape', rule: 'shift', slot: 'output' });
  });

  it("a plain number for ẏ while an input moves is 'tangent-mismatch': it has left jax-js, which cannot differentiate through it", () => {
    const caught = errorOf(() => grad((x: JaxArray) => np.sum(shift(x, { how: 'number' })))(np.array([1, 2])));
    expect(caught).toMatchObject({ code: 'tangent-mismatch', rule: 'shift', slot: 'output' });
    expect((caught as { fix: string }).fix).toMatch(/cfg\.xp/);
  });
});
