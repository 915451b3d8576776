import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Tangent, defineRule, kw, namespaceOf } from '@chainrules/core';
import { f64, isRuleCheckError, testFrule, testRrule } from '../src/index';

/*
 * p(x, { a, b }) = Σ a·x³ + b·sin(x). The correct rule must pass at any point; a rule whose
 * derivative for one slot is off by any factor the property picks must fail, at that slot.
 */
type Slot = 'x' | 'a' | 'b';

function makePoly(wrong: Slot | undefined, factor: number) {
  const k = (slot: Slot) => (slot === wrong ? factor : 1);
  return defineRule(
    (x: any, { a = 1, b = 1 }: { a?: any; b?: any } = {}): any => {
      const xp = namespaceOf(x, a, b);
      return xp.sum(xp.add(xp.multiply(a, xp.pow(x, 3)), xp.multiply(b, xp.sin(x))));
    },
    {
      name: `poly${wrong ?? ''}`,
      kwargs: z.object({ a: kw.diff().default(1), b: kw.diff().default(1) }),
      rrule: (cfg, { a, b }, x) => {
        const { xp } = cfg;
        const y = xp.sum(xp.add(xp.multiply(a, xp.pow(x, 3)), xp.multiply(b, xp.sin(x))));
        return [
          y,
          (dy: any) => ({
            args: [xp.multiply(k('x'), xp.multiply(dy, xp.add(xp.multiply(3, xp.multiply(a, xp.square(x))), xp.multiply(b, xp.cos(x)))))],
            kwargs: new Tangent({ a: xp.multiply(k('a'), xp.multiply(dy, xp.sum(xp.pow(x, 3)))), b: xp.multiply(k('b'), xp.multiply(dy, xp.sum(xp.sin(x)))) }),
          }),
        ];
      },
      frule: (cfg, { args: [dx], kwargs: dkw }, { a, b }, x) => {
        const { xp } = cfg;
        const y = xp.sum(xp.add(xp.multiply(a, xp.pow(x, 3)), xp.multiply(b, xp.sin(x))));
        const read = (t: unknown) => (typeof t === 'object' && t !== null && 'kind' in t ? 0 : t);
        const slope = xp.add(xp.multiply(3, xp.multiply(a, xp.square(x))), xp.multiply(b, xp.cos(x)));
        const ydot = xp.add(
          xp.sum(xp.multiply(k('x'), xp.multiply(slope, read(dx)))),
          xp.add(xp.multiply(k('a'), xp.multiply(xp.sum(xp.pow(x, 3)), read(dkw.get('a')))), xp.multiply(k('b'), xp.multiply(xp.sum(xp.sin(x)), read(dkw.get('b'))))),
        );
        return [y, ydot];
      },
    },
  );
}

const coordinate = fc.double({ min: -2, max: 2, noNaN: true });
const point = fc.record({ x: fc.array(coordinate, { minLength: 1, maxLength: 5 }), a: coordinate, b: coordinate, seed: fc.nat() });
const nonzero = (values: readonly number[], scale: number) => values.some((v) => Math.abs(v) * scale > 1e-2);

describe('properties of the checks', () => {
  it('a correct rule passes at any point', () => {
    const poly = makePoly(undefined, 1);
    fc.assert(
      fc.property(point, ({ x, a, b, seed }) => {
        testRrule(poly, [f64(x)], { kwargs: { a, b }, seed });
        testFrule(poly, [f64(x)], { kwargs: { a, b }, seed });
      }),
      { numRuns: 60 },
    );
  });

  it('a rule off by any factor in one slot fails, at that slot', () => {
    const slotName = { x: 'args[0]', a: 'kwargs.a', b: 'kwargs.b' } as const;
    fc.assert(
      fc.property(
        point,
        fc.constantFrom<Slot>('x', 'a', 'b'),
        fc.oneof(fc.double({ min: -10, max: 0.999, noNaN: true }), fc.double({ min: 1.001, max: 10, noNaN: true })),
        ({ x, a, b, seed }, wrong, factor) => {
          // Skip points where the slot's true derivative vanishes (a wrong factor times zero is right).
          const derivative = wrong === 'x' ? x.map((v) => 3 * a * v * v + b * Math.cos(v)) : wrong === 'a' ? [x.reduce((s, v) => s + v ** 3, 0)] : [x.reduce((s, v) => s + Math.sin(v), 0)];
          fc.pre(nonzero(derivative, Math.abs(1 - factor)));
          const poly = makePoly(wrong, factor);
          for (const check of [testRrule, testFrule]) {
            let error: unknown;
            try {
              check(poly, [f64(x)], { kwargs: { a, b }, seed });
            } catch (caught) {
              error = caught;
            }
            expect(isRuleCheckError(error)).toBe(true);
            if (check === testRrule) expect((error as { slot: string }).slot).toBe(slotName[wrong]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
