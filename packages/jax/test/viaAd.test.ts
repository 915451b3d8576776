import { describe, expect, it } from 'vitest';
import { grad, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { NoTangent, Tangent, ZeroTangent, defineRule, isRuleError } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { jaxApi as xp, jaxConfig } from '../src/index';
import { useJax } from './support/setup';

useJax();

const read = (x: unknown): number[] => [(x as JaxArray).ref.js()].flat(4) as number[];
const rrule = jaxConfig.rruleViaAd!;
const frule = jaxConfig.fruleViaAd!;

describe('jaxConfig.rruleViaAd / fruleViaAd: jax-js vjp and jvp of a function a rule was handed', () => {
  it('pull back through arrays, numbers and an options object (its Tangent in its slot), any number of times', () => {
    const f = (x: JaxArray, k: number, o: { c: JaxArray; mode: string }) => xp.multiply(xp.multiply(xp.sin(x), o.c), k);
    const x = np.array([0.3, -1.1]);
    const c = np.array(2);
    const [y, pullback] = rrule(f as never, x, 1.5, { c, mode: 'sum' });
    read(y).forEach((yi, i) => expect(yi).toBeCloseTo(3 * Math.sin([0.3, -1.1][i]!), 5));
    for (const w of [[1, 2], [-1, 0.5]]) {
      const [self, dx, dk, dkw] = pullback(np.array(w));
      expect(self).toBe(NoTangent);
      read(dx).forEach((g, i) => expect(g).toBeCloseTo(w[i]! * 3 * Math.cos([0.3, -1.1][i]!), 5));
      expect(read(dk)[0]).toBeCloseTo(w.reduce((s, wi, i) => s + wi * 2 * Math.sin([0.3, -1.1][i]!), 0), 5);
      const t = dkw as Tangent;
      expect(read(t.get('c'))[0]).toBeCloseTo(w.reduce((s, wi, i) => s + wi * 1.5 * Math.sin([0.3, -1.1][i]!), 0), 5);
      expect(t.get('mode')).toBe(NoTangent);
    }
    (pullback as unknown as { dispose(): void }).dispose();
    x.dispose();
    c.dispose();
  });

  it('push forward, options included', () => {
    const f = (x: JaxArray, o: { c: JaxArray }) => xp.multiply(xp.square(x), o.c);
    const x = np.array([1, 2]);
    const c = np.array(3);
    const [y, ydot] = frule([NoTangent, np.array([1, 0]), new Tangent({ c: np.array(1) })], f as never, x, { c });
    expect(read(y)).toEqual([3, 12]);
    expect(read(ydot)).toEqual([2 * 3 + 1, 4]);
    expect(frule([NoTangent, ZeroTangent, ZeroTangent], f as never, x, { c })[1]).not.toBe(undefined);
    expect(() => frule([NoTangent], f as never, x, { c })).toThrow(expect.objectContaining({ code: 'wrong-slot-count' }));
    x.dispose();
    c.dispose();
  });
});

// A rule that hands its function to jax-js: apply(g, x, p) = g(x, p.c), with an frule via fruleViaAd.
const apply = defineRule((g: (x: JaxArray, c: JaxArray) => JaxArray, x: JaxArray, p: { c: JaxArray }) => g(x, p.c), {
  name: 'applyViaAd',
  staticArgs: [0],
  frule: (cfg: RuleConfig, { args: [, dx, dp] }, _opts, g, x, p) => cfg.fruleViaAd!([NoTangent, dx, dp], ((z: JaxArray, q: { c: JaxArray }) => g(z, q.c)) as never, x, p) as never,
});

describe('a rule that calls fruleViaAd, under jax-js transformations', () => {
  const g = (x: JaxArray, c: JaxArray) => xp.multiply(xp.sin(x), c);

  it('jvp and grad through it equal those of the function', () => {
    const [, t] = jvp((x: JaxArray) => apply(g, x, { c: np.array(2) }), [np.array(0.5)], [np.array(1)]);
    expect(read(t)[0]).toBeCloseTo(2 * Math.cos(0.5), 5);
    const dc = grad((c: JaxArray) => apply(g, np.array(0.5), { c }))(np.array(2));
    expect(read(dc)[0]).toBeCloseTo(Math.sin(0.5), 5);
  });

  it('leaves a closure alone when no argument of the rule is traced (jax-js differentiates the plain function)', () => {
    const dc = grad((c: JaxArray) => apply((x: JaxArray) => xp.multiply(xp.sin(x), c), np.array(0.5), { c: np.array(1) }))(np.array(2));
    expect(read(dc)[0]).toBeCloseTo(Math.sin(0.5), 5);
  });

  it('refuses a function that closes over a value the enclosing grad differentiates', () => {
    let caught: unknown;
    try {
      // x is traced too, so the rule runs; g reads c from its closure, not from its arguments.
      grad((c: JaxArray) => apply((x: JaxArray) => xp.multiply(xp.sin(x), c), xp.multiply(c, 0.25), { c: np.array(1) }))(np.array(2));
    } catch (error) {
      caught = error;
    }
    expect(isRuleError(caught) && { code: caught.code, slot: caught.slot }).toEqual({ code: 'differentiable-in-static', slot: 'self' });
  });
});

describe('memory', () => {
  const N = 100_000;
  const ONE_ARRAY = 4 * N;
  async function external(): Promise<number> {
    for (let i = 0; i < 2; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return process.memoryUsage().external;
  }
  async function growth(step: () => void, steps = 200): Promise<number> {
    for (let i = 0; i < 20; i++) step();
    const before = await external();
    for (let i = 0; i < steps; i++) step();
    return (await external()) - before;
  }
  const fresh = (): JaxArray => np.multiply(np.ones([N]), Math.random());
  const g = (x: JaxArray, c: JaxArray) => xp.multiply(xp.tanh(x), c);

  it('rruleViaAd, its pullback called twice and disposed, with fresh inputs: process.memoryUsage().external flat over 200 calls', async () => {
    const grew = await growth(() => {
      const x = fresh();
      const c = np.array(0.5);
      const [y, pullback] = rrule(g as never, x, c);
      for (let k = 0; k < 2; k++) {
        const [, dx, dc] = pullback(np.ones([N]));
        (dx as JaxArray).dispose();
        (dc as JaxArray).dispose();
      }
      (pullback as unknown as { dispose(): void }).dispose();
      (y as JaxArray).dispose();
      x.dispose();
      c.dispose();
    });
    expect(grew).toBeLessThan(4 * ONE_ARRAY);
  });

  it('fruleViaAd inside a rule under grad, with fresh inputs: flat over 200 gradients', async () => {
    const grew = await growth(() => {
      const x = fresh();
      const dc = grad((c: JaxArray) => np.sum(apply(g, x.ref, { c })))(np.array(0.5));
      dc.dispose();
      x.dispose();
    });
    expect(grew).toBeLessThan(4 * ONE_ARRAY);
  });
});
