import { describe, expect, it } from 'vitest';
import { NoTangent, kwcall, rrule } from '@chainrules/core';
import type { Tangent } from '@chainrules/core';
import { f64, toNested, withReferenceAdapter } from '@chainrules/testing';
import { logsumexp, softmax } from '../src/index';
import { checkRule, expectClose, values } from './support';

const x = f64([[-0.5, 0.2, 0.9], [1.4, -2, 0.3]]);
const lse = (row: readonly number[], t = 1) => t * Math.log(row.reduce((s, v) => s + Math.exp(v / t), 0));

describe('logsumexp', () => {
  it('reduces over the last axis by default, with temperature 1', () => {
    withReferenceAdapter(() => {
      const y = logsumexp(x);
      expectClose(y, [lse([-0.5, 0.2, 0.9]), lse([1.4, -2, 0.3])], 1e-14);
      expect((y as unknown as { shape: number[] }).shape).toEqual([2]);
      expectClose(logsumexp(x, { axis: 0, temperature: 0.5 }), [lse([-0.5, 1.4], 0.5), lse([0.2, -2], 0.5), lse([0.9, 0.3], 0.5)], 1e-14);
      expectClose(logsumexp(x, { axis: null }), [lse([-0.5, 0.2, 0.9, 1.4, -2, 0.3])], 1e-14);
    });
    expect(logsumexp(2.5)).toBe(2.5); // one element: the value itself
  });

  it('passes testRrule and testFrule on f64 arrays along each axis, with and without temperature', () => {
    expect(checkRule(logsumexp, [x], { kwargs: { temperature: 0.7 } })).toEqual(['cotangent args[0]', 'cotangent kwargs.temperature']);
    expect(checkRule(logsumexp, [x], { kwargs: { axis: 0 } })).toEqual(['cotangent args[0]']);
    checkRule(logsumexp, [x], { kwargs: { axis: null, temperature: 1.3 } });
    checkRule(logsumexp, [x], { kwargs: { axis: -2, temperature: f64([0.5, 1, 2]) } }); // one temperature per column
    checkRule(logsumexp, [x], { kwargs: { temperature: f64([[0.7], [1.3]]) } }); // one per row
    checkRule(logsumexp, [f64([0.3, -1.2, 2.2, 0.1])]);
  });

  it('passes on plain numbers (a single element)', () => {
    checkRule(logsumexp, [1.7], { kwargs: { temperature: 0.4 } });
    checkRule(logsumexp, [-3]);
  });

  it('takes a plain number as the cotangent of a 0-d result (axis null)', () => {
    withReferenceAdapter(() => {
      const [y, pullback] = rrule(kwcall, { axis: null, temperature: 2 }, logsumexp, x)!;
      expectClose(y, [2 * Math.log([-0.5, 0.2, 0.9, 1.4, -2, 0.3].reduce((s, v) => s + Math.exp(v / 2), 0))], 1e-14);
      const [, dkw, , dx] = pullback(1);
      expect(values(dx).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
      expect(values((dkw as Tangent<{ temperature: number }>).get('temperature'))).toHaveLength(1);
    });
  });

  it('does not overflow at ±1000, and its derivatives stay finite and right', () => {
    withReferenceAdapter(() => {
      const big = f64([1000, 1000, -1000]);
      expectClose(logsumexp(big), [1000 + Math.log(2)], 1e-15);
      expectClose(logsumexp(f64([-1000, -1000])), [-1000 + Math.log(2)], 1e-15);
      const [, pullback] = rrule(kwcall, { temperature: 0.01 }, logsumexp, big)!;
      const [, dkw, , dx] = pullback(1);
      expectClose(dx, [0.5, 0.5, 0]);
      // ∂/∂T = entropy of the softmax: log 2 for two equal maxima.
      expectClose((dkw as Tangent<{ temperature: number }>).get('temperature'), [Math.log(2)], 1e-14);
    });
    checkRule(logsumexp, [f64([1000, 999.5, -1000, 998])], { kwargs: { temperature: 0.8 } });
  });

  it('owes no tangent for the static axis', () => {
    withReferenceAdapter(() => {
      expect(rrule(kwcall, { axis: 0 }, logsumexp, x)![1](f64([1, 2, 3]))[1]).toBe(NoTangent);
      const dkw = rrule(kwcall, { axis: 0, temperature: 2 }, logsumexp, x)![1](f64([1, 2, 3]))[1] as Tangent<Record<string, unknown>>;
      expect(dkw.keys()).toEqual(['temperature']);
    });
  });
});

describe('softmax', () => {
  it('normalises over the last axis by default', () => {
    withReferenceAdapter(() => {
      const p = toNested(softmax(x) as never) as number[][];
      const row = [-0.5, 0.2, 0.9].map((v) => Math.exp(v - lse([-0.5, 0.2, 0.9])));
      expectClose(f64(p[0]!), row, 1e-14);
      expect(p[1]!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 15);
      const cols = toNested(softmax(x, { axis: 0 }) as never) as number[][];
      expect(cols[0]![0]! + cols[1]![0]!).toBeCloseTo(1, 15);
    });
    expect(softmax(-4)).toBe(1);
  });

  it('passes testRrule and testFrule along each axis, with and without temperature', () => {
    expect(checkRule(softmax, [x], { kwargs: { temperature: 0.7 } })).toEqual(['cotangent args[0]', 'cotangent kwargs.temperature']);
    expect(checkRule(softmax, [x], {})).toEqual(['cotangent args[0]']);
    checkRule(softmax, [x], { kwargs: { axis: 0, temperature: f64([0.7, 1, 2]) } });
    checkRule(softmax, [x], { kwargs: { axis: null, temperature: 1.9 } });
    checkRule(softmax, [x], { kwargs: { temperature: f64([[0.7], [1.3]]) } });
    checkRule(softmax, [1.2], { kwargs: { temperature: 3 } });
  });

  it('gives [1, 0] at [1000, −1000], and finite derivatives there', () => {
    withReferenceAdapter(() => {
      const [p, pullback] = rrule(kwcall, { temperature: 0.5 }, softmax, f64([1000, -1000]))!;
      expect(values(p)).toEqual([1, 0]);
      const [, dkw, , dx] = pullback(f64([0.3, -2]));
      expect([...values(dx), ...values((dkw as Tangent<{ temperature: number }>).get('temperature'))].every(Number.isFinite)).toBe(true);
    });
    checkRule(softmax, [f64([1000, 999.2, -1000, 1000.5])], { kwargs: { temperature: 0.9 } });
  });

  it('owes no tangent for the static axis', () => {
    withReferenceAdapter(() => {
      expect(rrule(kwcall, { axis: -1 }, softmax, x)![1](f64([[1, 0, 0], [0, 1, 0]]))[1]).toBe(NoTangent);
    });
  });

  it('rejects an axis out of range', () => {
    expect(() => withReferenceAdapter(() => softmax(x, { axis: 2 }))).toThrow(/axis 2 is out of range/);
    expect(() => withReferenceAdapter(() => softmax(x, { axis: 1.5 }))).toThrow(/invalid-option/);
  });
});
