import { describe, expect, it } from 'vitest';
import { grad, jit, numpy as np, vmap } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { isRuleError } from '@chainrules/core';
import { counts, cubic, pcubic, rcubic } from './support/rules';
import { useJax } from './support/setup';

// A rule-aware call under vmap or jit whose differentiated value comes from outside the
// transform (closed over, or passed with in_axes null): the enclosing grad's tracer reaches
// the rule beside the transform's own. Each form must give what jax-js's own autodiff of the
// plain function gives, with the counters showing that the rule, not the plain function, ran.
type M = (x: JaxArray, o: { c: JaxArray }) => JaxArray;
type P = (x: JaxArray, w: JaxArray) => JaxArray;
const nativeM: M = (x, { c }) => np.multiply(x, np.power(c, 3));
const nativeP: P = (x, w) => np.multiply(x, np.power(w, 3));
const xs = (): JaxArray => np.array([1, 2, 3, 4]);

/** The five forms, for a rule m(x, { c }) and a rule p(x, w): each a scalar function of c. */
const forms = (m: M, p: P): Record<string, (c: JaxArray) => JaxArray> => ({
  'vmap, c closed over': (c) => np.sum(vmap((x: JaxArray) => m(x, { c }))(xs())),
  'vmap, c passed unbatched': (c) => np.sum(vmap((x: JaxArray, cc: JaxArray) => m(x, { c: cc }), [0, null])(xs(), c)),
  'vmap, the options tree unbatched': (c) => np.sum(vmap((x: JaxArray, o: { c: JaxArray }) => m(x, o), [0, { c: null }])(xs(), { c })),
  'jit, c closed over': (c) => {
    const f = jit((x: JaxArray) => m(x, { c }));
    const y = np.sum(f(xs()));
    f.dispose();
    return y;
  },
  'vmap, a positional w closed over': (w) => np.sum(vmap((x: JaxArray) => p(x, w))(xs())),
});

const ruleForms = forms(cubic, pcubic);
const rruleForms = forms(rcubic, (x, w) => rcubic(x, { c: w }));
const nativeForms = forms(nativeM, nativeP);
const at = (): JaxArray => np.array(2);
const read = (x: JaxArray): number => x.js() as number;

describe('a transform inside the derivative, with the differentiated value from outside it', () => {
  useJax();

  for (const name of Object.keys(nativeForms)) {
    it(`${name}: the first derivative is jax-js's own, through the frule`, () => {
      const want = read(grad(nativeForms[name]!)(at()));
      expect(want).toBeCloseTo(3 * 4 * 10, 3); // Σx · 3c² at c = 2
      expect(read(grad(ruleForms[name]!)(at()))).toBeCloseTo(want, 3);
      expect(counts.frule).toBeGreaterThan(0);
      expect(counts.impl).toBe(0);
    });

    it(`${name}: the first derivative through an rrule-only rule (its traced pullback)`, () => {
      const want = read(grad(nativeForms[name]!)(at()));
      expect(read(grad(rruleForms[name]!)(at()))).toBeCloseTo(want, 3);
      expect(counts.rrrule).toBeGreaterThan(0);
      expect(counts.rimpl).toBe(0);
    });

    it(`${name}: the second derivative`, () => {
      const want = read(grad(grad(nativeForms[name]!))(at()));
      expect(want).toBeCloseTo(6 * 2 * 10, 3); // Σx · 6c
      expect(read(grad(grad(ruleForms[name]!))(at()))).toBeCloseTo(want, 3);
      expect(counts.impl).toBe(0);
      expect(read(grad(grad(rruleForms[name]!))(at()))).toBeCloseTo(want, 3);
      expect(counts.rimpl).toBe(0);
    });
  }

  for (const name of Object.keys(nativeForms).filter((n) => n.startsWith('vmap'))) {
    it(`${name}: the third derivative is exact too (vmap is undone around the rule)`, () => {
      const want = read(grad(grad(grad(nativeForms[name]!)))(at()));
      expect(want).toBeCloseTo(6 * 10, 3); // Σx · 6
      expect(read(grad(grad(grad(ruleForms[name]!)))(at()))).toBeCloseTo(want, 3);
      expect(read(grad(grad(grad(rruleForms[name]!)))(at()))).toBeCloseTo(want, 3);
      expect(counts.impl + counts.rimpl).toBe(0);
    });
  }

  it('jit, c closed over: the third derivative is refused with a RuleError naming the rule and the fix', () => {
    let caught: unknown;
    try {
      grad(grad(grad(ruleForms['jit, c closed over']!)))(at());
    } catch (error) {
      caught = error;
    }
    expect(isRuleError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'unsupported', rule: 'cubic' });
    expect((caught as { fix: string }).fix).toMatch(/jit\(grad/);
  });

  it('nested vmaps, a batch axis other than the first, and c batched too: each equals jax-js’s own, at third order', () => {
    const grid = (): JaxArray => np.array([[1, 2, 3], [4, 5, 6]]);
    const cases: [string, (m: M) => (c: JaxArray) => JaxArray][] = [
      ['vmap(vmap(m)), c closed over', (m) => (c) => np.sum(vmap((row: JaxArray) => vmap((x: JaxArray) => m(x, { c }))(row))(grid()))],
      ['vmap over axis 1', (m) => (c) => np.sum(vmap((col: JaxArray) => m(col, { c }), 1)(grid()))],
      ['c batched with x', (m) => (c) => np.sum(vmap((x: JaxArray, cc: JaxArray) => m(x, { c: cc }))(xs(), np.multiply(c, np.array([1, 2, 3, 4]))))],
    ];
    for (const [name, form] of cases) {
      for (let order = 1; order <= 3; order++) {
        let [native, ruled, rruled] = [form(nativeM), form(cubic), form(rcubic)];
        for (let k = 0; k < order; k++) [native, ruled, rruled] = [grad(native), grad(ruled), grad(rruled)];
        const want = read(native(at()));
        expect(read(ruled(at())), `${name}, order ${order}`).toBeCloseTo(want, 2);
        expect(read(rruled(at())), `${name}, order ${order}, rrule only`).toBeCloseTo(want, 2);
      }
    }
    expect(counts.impl + counts.rimpl).toBe(0);
    expect(counts.frule).toBeGreaterThan(0);
  });

  it('vmap inside jit inside the derivative (c closed over): exact to second order, the third refused', () => {
    const form = (m: M) => (c: JaxArray): JaxArray => {
      const f = jit((x: JaxArray) => vmap((v: JaxArray) => m(v, { c }))(x));
      const y = np.sum(f(xs()));
      f.dispose();
      return y;
    };
    for (const m of [cubic, rcubic]) {
      expect(read(grad(form(m))(at()))).toBeCloseTo(read(grad(form(nativeM))(at())), 3);
      expect(read(grad(grad(form(m)))(at()))).toBeCloseTo(read(grad(grad(form(nativeM)))(at())), 3);
      expect(() => grad(grad(grad(form(m))))(at())).toThrow(/jit\(grad/);
    }
    expect(counts.impl + counts.rimpl).toBe(0);
  });
});
