import { describe, expect, it } from 'vitest';
import { grad, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { isRuleError } from '@chainrules/core';
import { splitOptions } from '../src/index';
import { counts, foo, penalty, seenStatic, spow } from './support/rules';
import { js, useJax } from './support/setup';

describe('options', () => {
  useJax();

  it("the options' gradient has the plain shape jax-js gives a tree argument: { c }", () => {
    const g = grad((o: { c: JaxArray }) => np.sum(foo(np.array([1, 2]), np.array([3, 4]), o)))({ c: np.array(2) });
    expect(Object.getPrototypeOf(g)).toBe(Object.prototype);
    expect(Object.keys(g)).toEqual(['c']);
    expect(js(g.c)).toBeCloseTo(11, 4); // Σ a·b
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('nested option records are tree leaves: the gradient comes back nested', () => {
    const f = (o: { prior: { mu: JaxArray; tau: JaxArray }; scale: JaxArray }) => penalty(np.array(2), o);
    const g = grad(f)({ prior: { mu: np.array(0.5), tau: np.array(3) }, scale: np.array(2) });
    expect(Object.keys(g).sort()).toEqual(['prior', 'scale']);
    expect(js(g.prior.mu)).toBeCloseTo(-18, 4);
    expect(js(g.prior.tau)).toBeCloseTo(4.5, 4);
    expect(js(g.scale)).toBeCloseTo(6.75, 4);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('static fields stay out of the traced tree: splitOptions gives the tree, and the static mode reaches the rule', () => {
    const [tree, withStatic] = splitOptions(foo, { c: np.array(3), mode: 'sum' as const });
    expect(Object.keys(tree)).toEqual(['c']);
    const g = grad((t: typeof tree) => foo(np.array(2), np.array(3), withStatic(t)))(tree);
    expect(js(g.c)).toBeCloseTo(5, 5); // mode 'sum': d/dc of (a + b)·c
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it('a number the schema marks static is never traced: the rule sees a plain number', () => {
    seenStatic.length = 0;
    const [tree, withStatic] = splitOptions(spow, { p: 3, scale: np.array(2) });
    const g = grad((x: JaxArray, t: typeof tree) => spow(x, withStatic(t)), { argnums: [0, 1] })(np.array(2), tree);
    expect(js(g[0])).toBeCloseTo(24, 4); // 2·3·x²
    expect(js((g[1] as { scale: JaxArray }).scale)).toBeCloseTo(8, 4); // x³
    expect(seenStatic).toEqual([3]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
  });

  it("a jax-js array in a static option while differentiating is a RuleError 'differentiable-in-static' naming the rule and slot", () => {
    for (const hold of [(x: JaxArray) => x, (x: JaxArray) => ({ k: x }), (x: JaxArray) => [x]]) {
      let caught: unknown;
      try {
        jvp((x: JaxArray) => spow(x.ref, { p: 2, tag: hold(x) }), [np.array(1)], [np.array(1)]);
      } catch (error) {
        caught = error;
      }
      expect(isRuleError(caught)).toBe(true);
      expect(caught).toMatchObject({ code: 'differentiable-in-static', rule: 'spow', slot: 'kwargs.tag' });
      expect((caught as Error).message).toMatch(/kw\.diff\(\)/);
    }
    expect(counts.frule).toBe(0);
  });

  it('a tracer reaching only a static option (nested in a record) is refused too', () => {
    let caught: unknown;
    try {
      jvp((x: JaxArray) => spow(np.array(2), { p: 2, tag: { k: [x] } }), [np.array(1)], [np.array(1)]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'differentiable-in-static', rule: 'spow', slot: 'kwargs.tag' });
  });

  it("a jax-js array in a static z.number() option while differentiating is 'differentiable-in-static', not a schema error about its type", () => {
    let caught: unknown;
    try {
      jvp((x: JaxArray) => spow(x, { p: x.ref as unknown as number, scale: np.array(1) }), [np.array(1)], [np.array(1)]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'differentiable-in-static', rule: 'spow', slot: 'kwargs.p' });
    expect(counts.frule).toBe(0);
  });

  it("a static number passed through the traced tree becomes a tracer, and is refused with a fix that names splitOptions (never a silent derivative)", () => {
    let caught: unknown;
    try {
      grad((o: { p: JaxArray; scale: JaxArray }) => spow(np.array(2), o as never))({ p: np.array(3), scale: np.array(2) });
    } catch (error) {
      caught = error;
    }
    expect(isRuleError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'differentiable-in-static', rule: 'spow', slot: 'kwargs.p' });
    expect((caught as { fix: string }).fix).toMatch(/splitOptions/);
    expect(counts.frule).toBe(0);
  });

  it('a static option that cannot be searched (a WeakMap) is refused while differentiating, never outside it', () => {
    const tag = new WeakMap<object, unknown>();
    expect(js(spow(np.array(2), { p: 2, tag }))).toBe(4);
    let caught: unknown;
    try {
      jvp((x: JaxArray) => spow(x, { p: 2, tag }), [np.array(2)], [np.array(1)]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'unsearchable', rule: 'spow', slot: 'kwargs.tag' });
    expect(counts.frule).toBe(0);
  });

  it('jvp with tangents on nested option leaves', () => {
    const [y, dy] = jvp((mu: JaxArray) => penalty(np.array(2), { prior: { mu, tau: np.array(3) }, scale: np.array(2) }), [np.array(0.5)], [np.array(1)]);
    expect(js(y)).toBeCloseTo(13.5, 4);
    expect(js(dy)).toBeCloseTo(-18, 4);
  });
});
