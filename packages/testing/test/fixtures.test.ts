import { describe, expect, it } from 'vitest';
import { defineRule, frule, kwcall, rrule, ruleRuns } from '@chainrules/core';
import { f64, testFrule, testRrule } from '../src/index';
import { countRuns, fixtureRuns, foo } from '../src/fixtures';

describe('the seed fixture foo', () => {
  it('is a·b·c, and (a + b)·c in mode sum', () => {
    expect(foo(2, 3)).toBe(2 * 3 * 42);
    expect(foo(2, 3, { c: 4 })).toBe(24);
    expect(foo(2, 3, { c: 4, mode: 'sum' })).toBe(20);
  });

  it('has a reverse and a forward rule that agree with finite differences, in both modes', () => {
    for (const mode of ['prod', 'sum'] as const) {
      testRrule(foo, [1.5, -0.7], { kwargs: { c: 2.5, mode } });
      testFrule(foo, [1.5, -0.7], { kwargs: { c: 2.5, mode } });
      testRrule(foo, [f64([1, 2, 3]), f64([0.5, -1, 2])], { kwargs: { c: f64([2, 3, 4]), mode } });
    }
  });

  it('gives the static mode no tangent and the differentiable c one', () => {
    const [, pullback] = rrule(kwcall, { c: 4, mode: 'sum' }, foo, 2, 3)!;
    const [, kwTangent, , da, db] = pullback(1);
    expect([da, db]).toEqual([4, 4]);
    expect((kwTangent as { get(key: string): unknown }).get('c')).toBe(5);
  });
});

describe('counting a fixture’s runs', () => {
  it('counts the plain function, the rrule, its pullbacks and the frule, from when the counter started', () => {
    foo(1, 1);
    const counter = countRuns(foo);
    expect(counter.runs).toEqual({ impl: 0, rrule: 0, pullback: 0, frule: 0 });
    foo(2, 3);
    const [, pullback] = rrule(foo, 2, 3)!;
    pullback(1);
    pullback(2);
    frule([undefined, 1, 0], foo, 2, 3);
    expect(counter.runs).toEqual({ impl: 1, rrule: 1, pullback: 2, frule: 1 });
  });

  it('reads rrule, pullback and frule from core’s ruleRuns', () => {
    const before = ruleRuns(foo)!;
    const counter = countRuns(foo);
    rrule(foo, 2, 3)![1](1);
    const after = ruleRuns(foo)!;
    expect(counter.runs.rrule).toBe(after.rrule - before.rrule);
    expect(counter.runs.pullback).toBe(after.pullback - before.pullback);
  });

  it('keeps counters independent, and starts one from zero again on reset', () => {
    const first = countRuns(foo);
    foo(2, 3);
    const second = countRuns(foo);
    foo(2, 3);
    expect([first.runs.impl, second.runs.impl]).toEqual([2, 1]);
    first.reset();
    expect(first.runs.impl).toBe(0);
    expect(second.runs.impl).toBe(1);
  });

  it('gives a snapshot that later runs do not change', () => {
    const snapshot = fixtureRuns(foo);
    foo(2, 3);
    expect(fixtureRuns(foo).impl).toBe(snapshot.impl + 1);
    expect(Object.isFrozen(snapshot)).toBe(true);
  });

  it('refuses a function that is not a fixture, and points to ruleRuns', () => {
    const other = defineRule((x: number) => 2 * x, { name: 'other', rrule: (_cfg, _opts, x) => [2 * x, (dy) => ({ args: [2 * dy] })] });
    expect(() => fixtureRuns(other)).toThrow(/ruleRuns\(f\) of @chainrules\/core/);
    expect(() => countRuns((x: number) => x)).toThrow(TypeError);
  });
});
