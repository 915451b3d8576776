import { expect } from 'vitest';
import { testFrule, testRrule, toNumbers } from '@chainrules/testing';
import type { RruleCheckOptions } from '@chainrules/testing';
import type { AnyFunction } from '@chainrules/core';

/** The seeds every rule is checked with: arrays larger than a few elements hide errors from one seed. */
export const SEEDS = [1, 2, 3] as const;

/**
 * testRrule and testFrule for each seed; returns the cotangent slots the rrule check verified
 * (the same for every seed) and asserts that the two directions were compared.
 */
export function checkRule(f: AnyFunction, args: readonly unknown[], options: RruleCheckOptions = {}): string[] {
  let slots: string[] = [];
  for (const seed of SEEDS) {
    const reverse = testRrule(f, args, { ...options, seed });
    expect(reverse.checks).toContain('frule and rrule agree (dot-product identity)');
    slots = reverse.checks.filter((check) => check.startsWith('cotangent '));
    testFrule(f, args, { ...options, seed });
  }
  return slots;
}

/** The values of a number or an f64 array, as a flat list of numbers. */
export function values(x: unknown): number[] {
  return typeof x === 'number' ? [x] : [...toNumbers(x as never)];
}

/** Asserts `got` equals `want` elementwise to `rtol` relative (plus a tiny absolute slack). */
export function expectClose(got: unknown, want: readonly number[], rtol = 1e-12): void {
  const g = values(got);
  expect(g.length).toBe(want.length);
  g.forEach((v, i) => {
    expect(Number.isFinite(v)).toBe(Number.isFinite(want[i]!));
    expect(Math.abs(v - want[i]!)).toBeLessThanOrEqual(rtol * Math.abs(want[i]!) + 1e-300);
  });
}
