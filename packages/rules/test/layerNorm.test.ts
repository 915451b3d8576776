import { describe, expect, it } from 'vitest';
import { NoTangent, kwcall, rrule } from '@chainrules/core';
import type { Tangent } from '@chainrules/core';
import { f64, toNested, withReferenceAdapter } from '@chainrules/testing';
import { layerNorm } from '../src/index';
import { checkRule, expectClose, values } from './support';

const x = f64([[-0.5, 0.2, 0.9, 2], [1.4, -2, 0.3, 0.1], [3, 3.5, -1, 0]]);

function reference(row: readonly number[], eps: number): number[] {
  const mu = row.reduce((s, v) => s + v, 0) / row.length;
  const variance = row.reduce((s, v) => s + (v - mu) ** 2, 0) / row.length;
  return row.map((v) => (v - mu) / Math.sqrt(variance + eps));
}

describe('layerNorm', () => {
  it('normalises over the last axis with γ = 1, β = 0, ε = 1e-5 by default', () => {
    withReferenceAdapter(() => {
      const y = toNested(layerNorm(x) as never) as number[][];
      expectClose(f64(y[0]!), reference([-0.5, 0.2, 0.9, 2], 1e-5), 1e-13);
      const scaled = toNested(layerNorm(x, { gamma: f64([1, 2, 3, 4]), beta: 0.5, eps: 0.1, axis: 0 }) as never) as number[][];
      const column = reference([-0.5, 1.4, 3], 0.1);
      expectClose(f64([scaled[0]![0]!, scaled[1]![0]!, scaled[2]![0]!]), column.map((v) => v + 0.5), 1e-13);
    });
  });

  it('passes testRrule and testFrule with every option, some, and none', () => {
    expect(checkRule(layerNorm, [x], { kwargs: { gamma: f64([1, 2, 0.5, -1]), beta: f64([0.1, 0.2, 0.3, 0.4]), eps: 0.05 } })).toEqual([
      'cotangent args[0]',
      'cotangent kwargs.gamma',
      'cotangent kwargs.beta',
      'cotangent kwargs.eps',
    ]);
    expect(checkRule(layerNorm, [x], { kwargs: { beta: 0.3 } })).toEqual(['cotangent args[0]', 'cotangent kwargs.beta']);
    expect(checkRule(layerNorm, [x], { kwargs: { eps: 0.2 } })).toEqual(['cotangent args[0]', 'cotangent kwargs.eps']);
    expect(checkRule(layerNorm, [x], { kwargs: {} })).toEqual(['cotangent args[0]']);
  });

  it('takes a plain number as a 0-d array: the output is β, and x̄ = 0', () => {
    expect(layerNorm(1.3, { beta: 0.2, gamma: 2 })).toBe(0.2);
    expect(checkRule(layerNorm, [1.3], { kwargs: { gamma: 2, beta: 0.2, eps: 0.1 } })).toEqual(['cotangent args[0]', 'cotangent kwargs.gamma', 'cotangent kwargs.beta', 'cotangent kwargs.eps']);
  });

  it('passes along other axes: 0, several, all', () => {
    checkRule(layerNorm, [x], { kwargs: { axis: 0, gamma: f64([[1], [2], [3]]), eps: 0.01 } });
    checkRule(layerNorm, [x], { kwargs: { axis: [0, 1], gamma: 1.5, beta: f64([0, 1, 2, 3]) } });
    checkRule(layerNorm, [x], { kwargs: { axis: null, eps: 0.3 } });
  });

  it('has exact derivatives for ε: small, and nearly constant rows (where ε dominates)', () => {
    checkRule(layerNorm, [f64([[1, 1.001, 0.999], [5, 5, 5.0001]])], { kwargs: { eps: 1e-3, gamma: 2 } });
    // ε̄ = −½ Σ ĝ·x̂·r²: compare with a one-element check by hand.
    withReferenceAdapter(() => {
      const [, pullback] = rrule(kwcall, { eps: 0.5 }, layerNorm, f64([1, 3]))!;
      const dkw = pullback(f64([1, -1]))[1] as Tangent<{ eps: number }>;
      // r = 1/√1.5, x̂ = [−r, r], ĝ = [1, −1]: ε̄ = −½·r²·Σ ĝ·x̂ = −½·r²·(−2r) = r³
      expectClose(dkw.get('eps'), [1 / 1.5 ** 1.5], 1e-14);
    });
  });

  it('stays finite for large inputs and for a constant row', () => {
    withReferenceAdapter(() => {
      const [y, pullback] = rrule(kwcall, { gamma: 2 }, layerNorm, f64([[1e150, -1e150], [7, 7]]))!;
      expectClose(y, [2, -2, 0, 0].map((v, i) => (i < 2 ? v / Math.sqrt(1 + 1e-5 / 1e300) : v)), 1e-12);
      const [, dkw, , dx] = pullback(f64([[1, 0.5], [1, -1]]));
      expect([...values(dx), ...values((dkw as Tangent<{ gamma: number }>).get('gamma'))].every(Number.isFinite)).toBe(true);
    });
  });

  it('rejects a repeated or out-of-range axis with a RuleError naming the option', () => {
    expect(() => withReferenceAdapter(() => layerNorm(x, { axis: [1, -1] }))).toThrow(/kwargs\.axis|repeated/);
    expect(() => withReferenceAdapter(() => layerNorm(x, { axis: -3 }))).toThrow(/out of range/);
  });

  it('owes no tangent for the static axis', () => {
    withReferenceAdapter(() => {
      expect(rrule(kwcall, { axis: 0 }, layerNorm, x)![1](x)[1]).toBe(NoTangent);
    });
  });
});
