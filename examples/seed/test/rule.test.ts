import { describe, expect, it } from 'vitest';
import { f64, testFrule, testRrule } from '@chainrules/testing';
import { foo } from '../src/foo';

// The seed rule, checked against finite differences in float64.
describe('the seed rule', () => {
  it('passes testRrule and testFrule with c passed, with c defaulted, and with no options', () => {
    for (const kwargs of [{ c: 3 }, {}, undefined]) {
      const reverse = testRrule(foo, [2, 3], { kwargs });
      expect(reverse.checks).toContain('frule and rrule agree (dot-product identity)');
      expect(reverse.checks.includes('cotangent kwargs.c')).toBe(kwargs?.c !== undefined);
      testFrule(foo, [2, 3], { kwargs });
    }
  });

  it('passes on float64 arrays of one shape, c an array too', () => {
    const a = f64([[1, -2], [0.5, 3]]);
    const b = f64([[2, 1], [-1, 0.25]]);
    const report = testRrule(foo, [a, b], { kwargs: { c: f64([[0.5, 2], [1, -1]]) } });
    expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent args[1]', 'cotangent kwargs.c']));
    testFrule(foo, [a, b], { kwargs: { c: f64([[0.5, 2], [1, -1]]) } });
  });
});
