import { describe, expect, it } from 'vitest';
import { kwcall, rrule } from '@chainrules/core';
import type { Tangent } from '@chainrules/core';
import { f64, withReferenceAdapter } from '@chainrules/testing';
import { huber } from '../src/index';
import { checkRule, expectClose, values } from './support';

const h = (x: number, d = 1) => (Math.abs(x) <= d ? 0.5 * x * x : d * (Math.abs(x) - 0.5 * d));

describe('huber', () => {
  it('is ½x² inside ±δ and linear outside, δ defaulting to 1', () => {
    expect(huber(0.5)).toBe(0.125);
    expect(huber(-3)).toBe(2.5);
    expect(huber(3, { delta: 2 })).toBe(4);
    withReferenceAdapter(() => expectClose(huber(f64([-2, -0.3, 0, 0.7, 5]), { delta: 0.5 }), [-2, -0.3, 0, 0.7, 5].map((x) => h(x, 0.5))));
  });

  it('passes testRrule and testFrule on numbers, on both sides of δ, with and without delta', () => {
    for (const x of [0.4, -0.8, 1.7, -2.5]) {
      expect(checkRule(huber, [x], { kwargs: { delta: 1.2 } })).toEqual(['cotangent args[0]', 'cotangent kwargs.delta']);
      expect(checkRule(huber, [x])).toEqual(['cotangent args[0]']);
    }
  });

  it('passes just inside and just outside the break |x| = δ', () => {
    for (const x of [0.997, 1.003, -0.997, -1.003]) checkRule(huber, [x], { kwargs: { delta: 1 } });
  });

  it('passes on f64 arrays, delta a number, of x’s shape or broadcast', () => {
    const x = f64([[-0.5, 0.2, 2.9], [1.4, -2, 0.3]]);
    checkRule(huber, [x], { kwargs: { delta: 0.8 } });
    checkRule(huber, [x], { kwargs: { delta: f64([0.6, 1, 1.5]) } });
    checkRule(huber, [x], { kwargs: { delta: f64([[0.4, 1, 2], [3, 1.1, 0.2]]) } });
  });

  it('grows linearly at ±1e300 without overflow, with finite derivatives', () => {
    withReferenceAdapter(() => {
      const [y, pullback] = rrule(kwcall, { delta: 2 }, huber, f64([1e300, -1e300, 1000]))!;
      expectClose(y, [2e300, 2e300, 1998]);
      const [, dkw, , dx] = pullback(f64([1, 1, 1]));
      expectClose(dx, [2, -2, 2]);
      expect(values((dkw as Tangent<{ delta: number }>).get('delta'))[0]).toBeCloseTo(1e300 + 1e300 + 998, -290);
    });
  });
});
