import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { f64, toNumbers, withReferenceAdapter } from '@chainrules/testing';
import { logit, logsumexp, sigmoid, softmax, softplus } from '../src/index';

const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

describe('properties', () => {
  it('softmax sums to 1 and lies in [0, 1], at any scale and temperature', () => {
    fc.assert(
      fc.property(fc.array(finite(-1e4, 1e4), { minLength: 1, maxLength: 12 }), finite(0.01, 100), (xs, temperature) => {
        withReferenceAdapter(() => {
          const p = toNumbers(softmax(f64(xs), { temperature }) as never);
          expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
          expect(Math.abs(p.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
        });
      }),
    );
  });

  it('logsumexp lies between the maximum and the maximum + T·log n', () => {
    fc.assert(
      fc.property(fc.array(finite(-1e4, 1e4), { minLength: 1, maxLength: 12 }), finite(0.01, 100), (xs, temperature) => {
        withReferenceAdapter(() => {
          const y = toNumbers(logsumexp(f64(xs), { temperature }) as never)[0]!;
          const max = Math.max(...xs);
          const slack = 1e-12 * Math.max(1, Math.abs(max));
          expect(y).toBeGreaterThanOrEqual(max - slack);
          expect(y).toBeLessThanOrEqual(max + temperature * Math.log(xs.length) + slack);
        });
      }),
    );
  });

  it('sigmoid(logit(p)) = p', () => {
    fc.assert(
      fc.property(finite(1e-300, 1 - 2 ** -20), (p) => {
        expect(Math.abs(sigmoid(logit(p)) - p)).toBeLessThanOrEqual(1e-9 * p);
      }),
    );
  });

  it('softplus(x) − softplus(−x) = x, and sigmoid(x) + sigmoid(−x) = 1, finite everywhere', () => {
    fc.assert(
      fc.property(finite(-1e6, 1e6), (x) => {
        const d = softplus(x) - softplus(-x);
        expect(Math.abs(d - x)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(x)));
        expect(Math.abs(sigmoid(x) + sigmoid(-x) - 1)).toBeLessThanOrEqual(1e-15);
      }),
    );
  });
});
