import { describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, defineRule, isRuleError, isTangent, numberConfig, rrule } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { f64, finiteDifferenceAd, isF64Array, isRuleCheckError, referenceConfig, testFrule, testRrule, withFiniteDifferenceAd, withReferenceAdapter } from '../src/index';
import type { F64Array } from '../src/index';

const data = (value: unknown): number[] => Array.from((value as F64Array).data);
const close = (got: number, want: number, tol = 1e-9) => expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want)));

describe('rruleViaAd by finite differences', () => {
  const { rruleViaAd, fruleViaAd } = finiteDifferenceAd();

  it('pulls back through positional numbers, the function slot first', () => {
    const [y, pullback] = rruleViaAd!((x: number, z: number) => x * Math.sin(z), 2, 0.7);
    close(y as number, 2 * Math.sin(0.7));
    const [fbar, xbar, zbar] = pullback(3);
    expect(fbar).toBe(NoTangent);
    close(xbar as number, 3 * Math.sin(0.7));
    close(zbar as number, 6 * Math.cos(0.7));
  });

  it('pulls back through arrays, element by element', () => {
    const x = f64([0.3, -1.2, 2]);
    const [, pullback] = rruleViaAd!((v: F64Array) => f64(v.data.map((e) => e * e * e)), x);
    const [, xbar] = pullback(f64([1, 2, -1]));
    expect(isF64Array(xbar)).toBe(true);
    data(xbar).forEach((g, i) => close(g, [1, 2, -1][i]! * 3 * x.data[i]! ** 2));
  });

  it('gives records, tuples and an options object a Tangent of their differentiable fields', () => {
    const f = (p: { a: number; name: string }, pair: [number, string], x: number, o: { c: number; w: F64Array; mode: string }) =>
      p.a * pair[0] * x * o.c * (o.w.data[0]! + 2 * o.w.data[1]!);
    const o = { c: 1.5, w: f64([0.5, 0.25]), mode: 'sum' };
    const [, pullback] = rruleViaAd!(f, { a: 2, name: 'n' }, [3, 'k'], 0.5, o);
    const slots = pullback(1);
    expect(slots).toHaveLength(5);
    const [, p, pair, , kw] = slots;
    expect(isTangent(p) && isTangent(pair) && isTangent(kw)).toBe(true);
    const inner = 0.5 + 2 * 0.25;
    close((p as Tangent).get('a') as number, 3 * 0.5 * 1.5 * inner);
    expect((p as Tangent).keys()).toEqual(['a']);
    close((pair as Tangent<number[]>).get(0) as number, 2 * 0.5 * 1.5 * inner);
    expect((pair as Tangent<unknown[]>).get(1)).toBe(NoTangent);
    close((kw as Tangent).get('c') as number, 2 * 3 * 0.5 * inner);
    expect((kw as Tangent).keys().sort()).toEqual(['c', 'w']);
    const w = data((kw as Tangent).get('w'));
    close(w[0]!, 2 * 3 * 0.5 * 1.5);
    close(w[1]!, 2 * 2 * 3 * 0.5 * 1.5);
  });

  it('estimates the Jacobian once: the pullback can be called many times, and is linear', () => {
    let runs = 0;
    const f = (v: F64Array) => {
      runs++;
      return f64([Math.exp(v.data[0]!) * v.data[1]!, v.data[0]! - v.data[1]!]);
    };
    const [, pullback] = rruleViaAd!(f, f64([0.2, 1.1]));
    const first = data(pullback(f64([1, 0]))[1]);
    const afterFirst = runs;
    const second = data(pullback(f64([0, 1]))[1]);
    const both = data(pullback(f64([2, 3]))[1]);
    expect(runs).toBe(afterFirst);
    first.forEach((g, i) => close(both[i]!, 2 * g + 3 * second[i]!, 1e-12));
    close(first[0]!, Math.exp(0.2) * 1.1);
    close(second[1]!, -1);
  });

  it('takes zero and Tangent cotangents for structured outputs', () => {
    const [, pullback] = rruleViaAd!((x: number) => ({ e: x * x, f: 3 * x, label: 'out' }), 2);
    close(pullback(new Tangent({ e: 1 }))[1] as number, 4);
    close(pullback(new Tangent({ e: 1, f: 2 }))[1] as number, 10);
    expect(pullback(ZeroTangent)[1]).toBe(0);
  });

  it('refuses a cotangent of the wrong size with a coded RuleError', () => {
    const [, pullback] = rruleViaAd!((v: F64Array) => v, f64([1, 2]));
    let caught: unknown;
    try {
      pullback(f64([1, 2, 3]));
    } catch (error) {
      caught = error;
    }
    expect(isRuleError(caught) && caught.code).toBe('tangent-mismatch');
  });

  it('pushes forward, options and structured outputs included', () => {
    const f = (x: number, o: { c: number; mode: string }) => ({ a: x * o.c, b: f64([Math.sin(x), o.c * o.c]) });
    const [y, ydot] = fruleViaAd!([NoTangent, 0.5, new Tangent({ c: 2 })], f, 1.2, { c: 3, mode: 'm' });
    expect((y as { a: number }).a).toBeCloseTo(3.6, 12);
    const t = ydot as Tangent;
    close(t.get('a') as number, 0.5 * 3 + 2 * 1.2);
    const b = data(t.get('b'));
    close(b[0]!, 0.5 * Math.cos(1.2));
    close(b[1]!, 2 * 2 * 3);
    expect(fruleViaAd!([NoTangent, ZeroTangent, ZeroTangent], f, 1.2, { c: 3, mode: 'm' })[1]).toBe(ZeroTangent);
  });

  it('refuses a tangent tuple of the wrong length', () => {
    expect(() => fruleViaAd!([0.5], (x: number) => x, 1)).toThrow(expect.objectContaining({ code: 'wrong-slot-count' }));
  });

  it('takes its step and order: a wide step with order 2 is visibly worse than order 8', () => {
    const error = (order: 2 | 8) => {
      const [, pullback] = finiteDifferenceAd({ step: 0.1, order }).rruleViaAd!((x: number) => Math.exp(x), 1);
      return Math.abs((pullback(1)[1] as number) - Math.E);
    };
    expect(error(2)).toBeGreaterThan(1e-3);
    expect(error(8)).toBeLessThan(1e-8);
    expect(() => finiteDifferenceAd({ step: 0 })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    expect(() => finiteDifferenceAd({ order: 3 as never })).toThrow(expect.objectContaining({ code: 'invalid-option' }));
  });

  it('is what referenceConfig offers', () => {
    const [, pullback] = referenceConfig.rruleViaAd!((v: F64Array) => f64([v.data[0]! * 2]), f64([1]));
    close(data(pullback(f64([1]))[1])[0]!, 2);
    const cfg = withFiniteDifferenceAd(numberConfig, { order: 4 });
    expect(cfg.xp).toBe(numberConfig.xp);
    expect(typeof cfg.fruleViaAd).toBe('function');
  });
});

// A rule that calls back into the engine: y = g(x, o) with its derivatives taken from the engine.
function applyImpl(g: (x: unknown, o: { c: number }) => unknown, x: unknown, o: { c: number }): unknown {
  return g(x, o);
}
const makeApply = (skew = 1) =>
  defineRule(applyImpl, {
    name: 'apply',
    staticArgs: [0],
    rrule: (cfg: RuleConfig, _opts, g, x, o) => {
      const [y, pullback] = cfg.rruleViaAd!(g as never, x, o);
      return [y, (ybar) => {
        const [, xbar, obar] = pullback(ybar);
        return { args: [NoTangent, typeof xbar === 'number' ? skew * xbar : xbar, obar] as never };
      }];
    },
    frule: (cfg: RuleConfig, { args: [, xdot, odot] }, _opts, g, x, o) => cfg.fruleViaAd!([NoTangent, xdot, odot], g as never, x, o) as never,
  });

describe('rule checks of rules that use rruleViaAd / fruleViaAd', () => {
  const g = (x: unknown, o: { c: number }) => (typeof x === 'number' ? Math.sin(x) * o.c : f64((x as F64Array).data.map((e) => Math.tanh(e) * o.c)));

  it('pass a right rule on numbers and on arrays, record argument included', () => {
    const apply = makeApply();
    const report = testRrule(apply, [g, 0.4, { c: 1.7 }], { viaAd: { order: 8 } });
    expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[1]', 'cotangent args[2].c']));
    testRrule(apply, [g, f64([0.4, -0.3, 1.1]), { c: 1.7 }]);
    testFrule(apply, [g, f64([0.4, -0.3]), { c: 0.6 }]);
  });

  it('fail a rule that bends what the engine returned', () => {
    let caught: unknown;
    try {
      testRrule(makeApply(1.001), [g, 0.4, { c: 1.7 }]);
    } catch (error) {
      caught = error;
    }
    expect(isRuleCheckError(caught) && { kind: caught.kind, slot: caught.slot }).toEqual({ kind: 'cotangent', slot: 'args[1]' });
  });

  it('run the rule with a config that has them (the values decide numbers or float64 arrays)', () => {
    const seen: RuleConfig[] = [];
    const probe = defineRule((x: number) => x, {
      name: 'probe',
      rrule: (cfg: RuleConfig, _opts, x) => {
        seen.push(cfg);
        return [x, (ybar) => ({ args: [ybar] })];
      },
    });
    testRrule(probe, [1.5]);
    testRrule(probe, [f64([1.5])]);
    expect(seen[0]!.engine).toBe('number');
    expect(seen.at(-1)!.engine).toBe('f64');
    expect(seen.every((cfg) => typeof cfg.rruleViaAd === 'function')).toBe(true);
    withReferenceAdapter(() => expect(rrule(referenceConfig, probe, f64([1]))).toBeDefined());
  });
});
