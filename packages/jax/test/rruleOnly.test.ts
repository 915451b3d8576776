import { describe, expect, it } from 'vitest';
import { grad, hessian, jit, jvp, numpy as np, valueAndGrad } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { defineRule, isRuleError } from '@chainrules/core';
import { counts, escape, rsq } from './support/rules';
import { errorOf, js, useJax } from './support/setup';

// rsq(x, { w }) = w·x² has only an rrule: the adapter evaluates its pullback in the forward
// pass (ẏ = transpose of the pullback, applied to ẋ), and jax-js transposes that back for grad.
describe('a rule with only an rrule', () => {
  useJax();

  it('grad through the pullback: x̄ = 2wx and w̄ = x², the pullback traced once, the plain function never', () => {
    const g = grad((x: JaxArray, o: { w: JaxArray }) => rsq(x, o), { argnums: [0, 1] })(np.array(2), { w: np.array(3) });
    expect(js(g[0])).toBeCloseTo(12, 4);
    expect(js((g[1] as { w: JaxArray }).w)).toBeCloseTo(4, 4);
    expect(counts).toMatchObject({ rrrule: 1, rpullback: 1, rimpl: 0 });
  });

  it('jvp, valueAndGrad, hessian and grad(jit(f)) through the pullback', () => {
    const [y, dy] = jvp((x: JaxArray) => rsq(x, { w: np.array(3) }), [np.array(2)], [np.array(1)]);
    expect([js(y), js(dy)]).toEqual([12, 12]);
    const [v, g] = valueAndGrad((x: JaxArray) => np.sum(rsq(x)))(np.array([1, 2]));
    expect(js(v)).toBeCloseTo(5, 5);
    expect(js(g)).toEqual([2, 4]);
    expect(js(hessian((x: JaxArray) => np.sum(rsq(x, { w: np.array(3) })))(np.array([1, 2])))).toEqual([[6, 0], [0, 6]]);
    expect(js(grad(jit((x: JaxArray) => rsq(x.ref, { w: x })))(np.array(2)))).toBeCloseTo(12, 4); // d/dx x³
    expect(counts.rimpl).toBe(0);
  });

  it('a pullback that leaves jax-js (Number(ȳ)) is a RuleError naming the rule and the slot, with a fix', () => {
    const caught = errorOf(() => grad((x: JaxArray) => escape(x))(np.array(1)));
    expect(isRuleError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'tangent-mismatch', rule: 'escape', slot: 'args[0]' });
    expect((caught as { fix: string }).fix).toMatch(/cfg\.xp/);
    expect(errorOf(() => jvp((x: JaxArray) => escape(x), [np.array(1)], [np.array(1)]))).toMatchObject({ code: 'tangent-mismatch', rule: 'escape' });
  });

  it('a pullback that throws while traced is a RuleError caused by the original error', () => {
    const original = new Error('no jax here');
    const throwing = defineRule((x: JaxArray) => x, { name: 'throwing', rrule: (_cfg, _opts, x) => [x, () => { throw original; }] });
    const caught = errorOf(() => grad((x: JaxArray) => throwing(x))(np.array(1)));
    expect(caught).toMatchObject({ code: 'unsupported', rule: 'throwing', cause: original });
  });
});
