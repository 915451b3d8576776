import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Tangent, ZeroTangent, defineRule, frule, kw, kwcall, nonDifferentiable, optOut, rrule, ruleRuns } from '../../src/index';

const scaled = defineRule((x: number, { k = 2 }: { k?: number } = {}) => k * x, {
  name: 'scaledCounted',
  kwargs: z.object({ k: kw.diff<number>().default(2) }),
  rrule: (_c, { k }, x) => [k * x, (dy) => ({ args: [k * dy], kwargs: new Tangent({ k: x * dy }) })],
  frule: (_c, { args: [dx] }, { k }, x) => [k * x, typeof dx === 'number' ? k * dx : ZeroTangent],
});

const since = (before: { rrule: number; pullback: number; frule: number }) => {
  const now = ruleRuns(scaled)!;
  return { rrule: now.rrule - before.rrule, pullback: now.pullback - before.pullback, frule: now.frule - before.frule };
};

describe('ruleRuns', () => {
  it('counts rrule calls, pullback calls and frule calls, under either identity and every call form', () => {
    const before = ruleRuns(scaled)!;
    const [, pullback] = rrule(scaled, 3)!;
    pullback(1);
    pullback(2);
    rrule(kwcall, { k: 5 }, scaled, 3)![1](1);
    frule([ZeroTangent, 1], scaled, 3);
    expect(since(before)).toEqual({ rrule: 2, pullback: 3, frule: 1 });
  });

  it('does not count the plain function, an opted-out call, or a pullback given a zero cotangent (the rule’s code did not run)', () => {
    const before = ruleRuns(scaled)!;
    scaled(3, { k: 4 });
    const remove = optOut(scaled, (x) => x === 0);
    try {
      expect(rrule(scaled, 0)).toBeUndefined();
    } finally {
      remove();
    }
    rrule(scaled, 3)![1](ZeroTangent);
    expect(since(before)).toEqual({ rrule: 1, pullback: 0, frule: 0 });
  });

  it('counts a call whose rule throws: the rule ran', () => {
    const failing = defineRule((x: number) => x, {
      name: 'failingCounted',
      rrule: () => {
        throw new Error('boom');
      },
    });
    expect(() => rrule(failing, 1)).toThrow('boom');
    expect(ruleRuns(failing)).toEqual({ rrule: 1, pullback: 0, frule: 0 });
  });

  it('returns a frozen snapshot that later calls do not change', () => {
    const snapshot = ruleRuns(scaled)!;
    const seen = snapshot.rrule;
    rrule(scaled, 1);
    expect(snapshot.rrule).toBe(seen);
    expect(Object.isFrozen(snapshot)).toBe(true);
    expect(ruleRuns(scaled)!.rrule).toBe(seen + 1);
  });

  it('is undefined for a function with no rule, a non-function and a nonDifferentiable one', () => {
    expect(ruleRuns((x: number) => x)).toBeUndefined();
    expect(ruleRuns(42)).toBeUndefined();
    expect(ruleRuns(nonDifferentiable((x: number) => Math.round(x)))).toBeUndefined();
  });
});
