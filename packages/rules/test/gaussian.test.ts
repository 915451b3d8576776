import { describe, expect, it } from 'vitest';
import { NoTangent, Tangent, isTangent, kwcall, rrule, frule, ZeroTangent } from '@chainrules/core';
import { derivative, f64, withReferenceAdapter } from '@chainrules/testing';
import { gaussian, gaussianNd } from '../src/index';
import { checkRule, expectClose, values } from './support';

const g1 = (x: number, pos: number, sigma: number, a: number) => a * Math.exp(-((x - pos) ** 2) / (2 * sigma ** 2));

describe('gaussian', () => {
  it('computes amplitude·exp(−(x − pos)²/(2σ²)), with defaults pos 0, sigma 1, amplitude 1', () => {
    expect(gaussian(0.7)).toBeCloseTo(Math.exp(-0.245), 15);
    expect(gaussian(1.3, { pos: 0.4, sigma: 0.8, amplitude: 2.5 })).toBeCloseTo(g1(1.3, 0.4, 0.8, 2.5), 15);
    withReferenceAdapter(() => expectClose(gaussian(f64([-1, 0, 2]), { pos: 0.5 }), [-1, 0, 2].map((x) => g1(x, 0.5, 1, 1))));
  });

  it('passes testRrule and testFrule on numbers, with all options, some, and none', () => {
    expect(checkRule(gaussian, [1.3], { kwargs: { pos: 0.4, sigma: 0.8, amplitude: 2.5 } })).toEqual([
      'cotangent args[0]',
      'cotangent kwargs.pos',
      'cotangent kwargs.sigma',
      'cotangent kwargs.amplitude',
    ]);
    expect(checkRule(gaussian, [-0.6], { kwargs: { sigma: 1.7 } })).toEqual(['cotangent args[0]', 'cotangent kwargs.sigma']);
    expect(checkRule(gaussian, [0.3], { kwargs: {} })).toEqual(['cotangent args[0]']);
    expect(checkRule(gaussian, [0.3])).toEqual(['cotangent args[0]']);
  });

  it('passes on f64 arrays, options as numbers, as arrays of x’s shape and broadcast ([d], [n, 1])', () => {
    const x = f64([[-0.5, 0.2, 0.9], [1.4, -2, 0.3]]);
    expect(checkRule(gaussian, [x], { kwargs: { pos: 0.1, sigma: 0.8, amplitude: 2 } })).toHaveLength(4);
    checkRule(gaussian, [x], { kwargs: { pos: f64([0.1, 0.2, -0.3]), sigma: f64([[0.8], [1.4]]), amplitude: f64([[2, 1, 0.5], [1, 1, 3]]) } });
    // pos larger than x: x is broadcast too, and its cotangent is summed back to x's shape.
    checkRule(gaussian, [f64([0.2, -0.4, 1.1])], { kwargs: { pos: f64([[0], [0.5]]) } });
  });

  it('gives each option’s cotangent the shape the caller passed', () => {
    withReferenceAdapter(() => {
      const x = f64([[-0.5, 0.2, 0.9], [1.4, -2, 0.3]]);
      const [, pullback] = rrule(kwcall, { pos: f64([0.1, 0.2, -0.3]), sigma: f64([[0.8], [1.4]]), amplitude: 2 }, gaussian, x)!;
      const dkw = pullback(f64([[1, 1, 1], [1, 1, 1]]))[1] as Tangent<Record<string, unknown>>;
      expect((dkw.get('pos') as { shape: number[] }).shape).toEqual([3]);
      expect((dkw.get('sigma') as { shape: number[] }).shape).toEqual([2, 1]);
      expect(values(dkw.get('amplitude'))).toHaveLength(1);
    });
  });

  it('gives option derivatives that match finite differences on their own (the fitting use case)', () => {
    // d/dpos Σ gaussian(xᵢ; pos) at a few data points, as a fit of the centre needs.
    const xs = [-1, 0.3, 0.8, 2];
    const loss = (pos: number, sigma: number, a: number) => xs.reduce((s, x) => s + g1(x, pos, sigma, a), 0);
    let dpos = 0;
    let dsigma = 0;
    let da = 0;
    for (const x of xs) {
      const dkw = rrule(kwcall, { pos: 0.4, sigma: 0.9, amplitude: 1.5 }, gaussian, x)![1](1)[1] as Tangent<{ pos: number; sigma: number; amplitude: number }>;
      dpos += dkw.get('pos') as number;
      dsigma += dkw.get('sigma') as number;
      da += dkw.get('amplitude') as number;
    }
    expect(dpos).toBeCloseTo(derivative((t) => loss(0.4 + t, 0.9, 1.5), 1e-2).value, 9);
    expect(dsigma).toBeCloseTo(derivative((t) => loss(0.4, 0.9 + t, 1.5), 1e-2).value, 9);
    expect(da).toBeCloseTo(derivative((t) => loss(0.4, 0.9, 1.5 + t), 1e-2).value, 9);
  });

  it('is exactly 0, never NaN, far in the tails, and its derivatives too', () => {
    for (const x of [60, -1000, 1e300]) {
      const [y, pullback] = rrule(kwcall, { pos: 0.5, sigma: 1, amplitude: 2 }, gaussian, x)!;
      expect(y).toBe(0);
      const [, dkw, , dx] = pullback(1);
      expect(dx === 0 || Object.is(dx, -0)).toBe(true);
      expect(Object.values((dkw as Tangent<Record<string, number>>).backing).every((v) => v === 0)).toBe(true);
    }
    // Far but not underflowing: 7σ out, relative accuracy kept; checked against finite differences.
    checkRule(gaussian, [7.2], { kwargs: { pos: 0.1, sigma: 1.1 } });
    checkRule(gaussian, [f64([-6, 6.5, 0])], { kwargs: { pos: f64([0, 0.5, 0.2]), sigma: 0.9 } });
  });

  it('passes no derivative through an option left to its default, and a zero tangent gives a zero', () => {
    const [, pullback] = rrule(kwcall, { sigma: 2 }, gaussian, 1)!;
    const dkw = pullback(1)[1] as Tangent<Record<string, unknown>>;
    expect(dkw.keys()).toEqual(['sigma']);
    expect(frule([NoTangent, new Tangent({}), NoTangent, ZeroTangent], kwcall, { sigma: 2 }, gaussian, 1)![1]).toBe(ZeroTangent);
    expect(frule([NoTangent, new Tangent({ pos: 1 }), NoTangent, ZeroTangent], kwcall, { pos: 0.5 }, gaussian, 1)![1]).toBeCloseTo(g1(1, 0.5, 1, 1) * 0.5, 15);
  });
});

describe('gaussianNd', () => {
  const points = f64([[0.1, -0.3], [1.2, 0.4], [-0.7, 2.1], [0.5, 0.5]]);

  it('is the product of one-dimensional Gaussians, one per coordinate', () => {
    withReferenceAdapter(() => {
      const y = gaussianNd(points, { pos: f64([0.2, 0.3]), sigma: f64([0.9, 1.6]), amplitude: 3 });
      const rows = [[0.1, -0.3], [1.2, 0.4], [-0.7, 2.1], [0.5, 0.5]];
      expectClose(y, rows.map(([a, b]) => g1(a!, 0.2, 0.9, 3) * g1(b!, 0.3, 1.6, 1)), 1e-14);
      expectClose(gaussianNd(f64([1, 2])), [Math.exp(-2.5)], 1e-15); // one point [d]: a 0-d result
    });
  });

  it('passes testRrule and testFrule with per-axis, isotropic and default options', () => {
    expect(checkRule(gaussianNd, [points], { kwargs: { pos: f64([0.2, 0.3]), sigma: f64([0.9, 1.6]), amplitude: 3 } })).toEqual([
      'cotangent args[0]',
      'cotangent kwargs.pos',
      'cotangent kwargs.sigma',
      'cotangent kwargs.amplitude',
    ]);
    checkRule(gaussianNd, [points], { kwargs: { pos: f64([0.2, 0.3]), sigma: 1.2 } });
    checkRule(gaussianNd, [points], { kwargs: { amplitude: f64([1, 2, 3, 4]) } });
    expect(checkRule(gaussianNd, [points], { kwargs: {} })).toEqual(['cotangent args[0]']);
    checkRule(gaussianNd, [f64([0.3, -0.2, 0.9])], { kwargs: { pos: f64([0, 0.1, 0.2]), sigma: f64([1, 2, 0.5]) } });
  });

  it('gives pos and sigma cotangents of shape [d] and stays finite far from the centre', () => {
    withReferenceAdapter(() => {
      const far = f64([[100, 0], [0, -1e5], [0.2, 0.3]]);
      const [y, pullback] = rrule(kwcall, { pos: f64([0.2, 0.3]), sigma: f64([0.9, 1.6]) }, gaussianNd, far)!;
      expectClose(y, [0, 0, 1]);
      const [, dkw, , dp] = pullback(f64([1, 1, 1]));
      const t = dkw as Tangent<Record<string, unknown>>;
      expect(isTangent(t)).toBe(true);
      expect((t.get('pos') as { shape: number[] }).shape).toEqual([2]);
      expect((t.get('sigma') as { shape: number[] }).shape).toEqual([2]);
      expect([...values(dp), ...values(t.get('pos')), ...values(t.get('sigma'))].every(Number.isFinite)).toBe(true);
    });
  });

  it('refuses a 0-d input (it needs a coordinate axis)', () => {
    expect(() => gaussianNd(1)).toThrow(/at least one axis/);
  });
});
