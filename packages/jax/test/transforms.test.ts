import { describe, expect, it } from 'vitest';
import { grad, hessian, jit, jvp, numpy as np, vmap } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { isRuleError } from '@chainrules/core';
import { probeWith, resetProbe } from '../src/internals';
import { counts, foo, rsq, twice } from './support/rules';
import { js, useJax } from './support/setup';

// Under grad(jit(f)) and grad(vmap(f)) the rule meets jit or vmap tracers, and jax-js
// differentiates the trace later. `twice` (plain function x, frule ẏ = 2ẋ) shows whose
// derivative is used: 2 is the rule's, 1 would be jax-js's own.
// x is handed over three times: two more references (rule-aware functions consume what they are handed).
const cube = (x: JaxArray): JaxArray => foo(x.ref, x.ref, { c: x });

describe('grad(jit(f)) and grad(vmap(f))', () => {
  useJax();

  it('first order through jit is the rule’s derivative', () => {
    expect(js(grad(jit((x: JaxArray) => twice(x)))(np.array(5)))).toBeCloseTo(2, 5);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
    expect(js(grad(jit(cube))(np.array(2)))).toBeCloseTo(12, 4);
  });

  it('first order through vmap is the rule’s derivative', () => {
    expect(js(grad((x: JaxArray) => np.sum(vmap((v: JaxArray) => twice(v))(x)))(np.array([1, 2])))).toEqual([2, 2]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
    expect(js(grad((x: JaxArray) => np.sum(vmap(cube)(x)))(np.array([2, 3])))).toEqual([12, 27]);
  });

  it('jvp(jit(f)) and a jit trace reused by a later grad both keep the rule', () => {
    const [, dy] = jvp(jit((x: JaxArray) => twice(x)), [np.array(1)], [np.array(1)]);
    expect(js(dy)).toBeCloseTo(2, 5);
    const jf = jit((x: JaxArray) => twice(x));
    expect(js(jf(np.array(3)))).toBeCloseTo(3, 5); // traced once, with no differentiation around it
    expect(js(grad(jf)(np.array(3)))).toBeCloseTo(2, 5); // jit's cache reuses that trace
    jf.dispose();
  });

  it('second order through jit is exact (the midpoint form), and through vmap too: grad(grad(jit(f))), hessian(jit(f)), grad(grad(vmap(f)))', () => {
    expect(js(grad(grad(jit(cube)))(np.array(2)))).toBeCloseTo(12, 3); // 6a
    expect(js(hessian(jit((x: JaxArray) => np.sum(cube(x))))(np.array([2, 3])))).toEqual([[12, 0], [0, 18]]);
    expect(js(grad(grad((x: JaxArray) => np.sum(vmap(cube)(np.broadcastTo(x, [2])))))(np.array(2)))).toBeCloseTo(24, 3); // Σ of two x³
    expect(js(grad(grad(jit((x: JaxArray) => rsq(x.ref, { w: x }))))(np.array(2)))).toBeCloseTo(12, 3); // rrule only: x³
    expect(counts.impl + counts.rimpl).toBe(0);
  });

  it('third order through vmap is exact: vmap is undone around the rule, which meets the derivatives’ tracers', () => {
    const viaFrule = (x: JaxArray): JaxArray => np.sum(vmap(cube)(np.broadcastTo(x, [2])));
    const viaRrule = (x: JaxArray): JaxArray => np.sum(vmap((v: JaxArray) => rsq(v.ref, { w: v }))(np.broadcastTo(x, [2])));
    expect(js(grad(grad(grad(viaFrule)))(np.array(2)))).toBeCloseTo(12, 3); // Σ of two x³
    expect(js(grad(grad(grad(viaRrule)))(np.array(2)))).toBeCloseTo(12, 3);
    expect(counts.impl + counts.rimpl).toBe(0);
  });

  it('third order through jit is refused with a RuleError, never a wrong number', () => {
    let caught: unknown;
    try {
      grad(grad(grad(jit(cube))))(np.array(2));
    } catch (error) {
      caught = error;
    }
    expect(isRuleError(caught)).toBe(true);
    expect(caught).toMatchObject({ code: 'unsupported', rule: 'foo' });
    expect((caught as { fix: string }).fix).toMatch(/jit\(grad/);
    // The fix works: jit outside the derivatives runs the rule exactly at every order.
    expect(js(jit(grad(grad(grad(cube))))(np.array(2)))).toBeCloseTo(6, 3);
  });

  it('vmap and jit with no differentiation give the plain values', () => {
    expect(js(vmap(cube)(np.array([2, 3])))).toEqual([8, 27]);
    expect(counts).toMatchObject({ impl: 1, frule: 0 });
    expect(js(jit(cube)(np.array(2)))).toBeCloseTo(8, 5);
  });

  it("a tool's Error.prepareStackTrace (dropping frames, rewriting text) does not hide the derivatives around jit: grad³(jit(cube)) is still refused", () => {
    const ErrorClass = Error as ErrorConstructor & { prepareStackTrace?: unknown };
    const theirs = ErrorClass.prepareStackTrace;
    const attacks = [
      (error: Error) => `${error.name}: rewritten by a tool`,
      (_error: Error, sites: { getFunctionName(): string | null }[]) => sites.filter((site) => !/jvp/i.test(site.getFunctionName() ?? '')).map(String).join('\n'),
    ];
    try {
      for (const attack of attacks) {
        ErrorClass.prepareStackTrace = attack;
        let caught: unknown;
        try {
          grad(grad(grad(jit(cube))))(np.array(2));
        } catch (error) {
          caught = error;
        }
        expect(caught).toMatchObject({ code: 'unsupported', rule: 'foo' });
        expect(js(grad(grad(jit(cube)))(np.array(2)))).toBeCloseTo(12, 3);
      }
    } finally {
      ErrorClass.prepareStackTrace = theirs;
    }
  });

  it('where the depth cannot be read, the paths that need it refuse with a RuleError saying why; the exact paths still run', () => {
    resetProbe(probeWith({ jvp, frames: () => undefined }));
    try {
      let caught: unknown;
      try {
        grad(jit(cube))(np.array(2));
      } catch (error) {
        caught = error;
      }
      expect(caught).toMatchObject({ code: 'unsupported', rule: 'foo' });
      expect((caught as Error).message).toMatch(/cannot count/);
      expect(js(grad(cube)(np.array(2)))).toBeCloseTo(12, 4);
      expect(js(jit(grad(cube))(np.array(2)))).toBeCloseTo(12, 4);
    } finally {
      resetProbe();
    }
  });

  it("jit's cache: a jitted function traced under none, one or two derivatives and reused under three is refused, never a wrong number; under two it stays exact", () => {
    const traceAt: ((jf: (x: JaxArray) => JaxArray) => JaxArray)[] = [(jf) => jf(np.array(2)), (jf) => grad(jf)(np.array(2)), (jf) => grad(grad(jf))(np.array(2))];
    for (const [depth, trace] of traceAt.entries()) {
      const jf = jit(cube);
      trace(jf).dispose();
      let caught: unknown;
      try {
        grad(grad(grad(jf)))(np.array(2));
      } catch (error) {
        caught = error;
      }
      expect(isRuleError(caught), `traced under ${depth}, reused under 3`).toBe(true);
      expect(caught).toMatchObject({ code: 'unsupported', rule: 'foo' });
      expect((caught as { fix: string }).fix).toMatch(/jit\(grad/);
      expect(js(grad(grad(jf))(np.array(3)))).toBeCloseTo(18, 3); // 6a, from the cached trace
      expect(js(grad(jf)(np.array(3)))).toBeCloseTo(27, 3); // 3a²
      jf.dispose();
    }
  });

  it("jit's cache, nested: a cached jitted function differentiated inside another jit's trace carries those derivatives", () => {
    const jf = jit(cube);
    jf(np.array(2)).dispose(); // traced with no derivative around it
    const outer = jit((x: JaxArray) => grad(jf)(x)); // one derivative inside the outer trace
    expect(js(outer(np.array(2)))).toBeCloseTo(12, 3);
    expect(js(grad(outer)(np.array(2)))).toBeCloseTo(12, 3); // two in all: exact
    let caught: unknown;
    try {
      grad(grad(outer))(np.array(2)); // three in all, two of them outside the outer trace
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ code: 'unsupported', rule: 'foo' });
    outer.dispose();
    jf.dispose();
  });
});
