import { describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, defineRule, frule, isRuleError, kwcall, rrule } from '../../src/index';
import { calls, foo, fooImpl, resetCalls } from '../support/seed';

describe('the seed case foo(a, b, { c = 42 }) = a·b·c', () => {
  it('rrule(kwcall, { c: 3 }, foo, 2, 3) gives 18 and [NoTangent, Tangent{c: 6}, NoTangent, 9, 6]', () => {
    const [y, pullback] = rrule(kwcall, { c: 3 }, foo, 2, 3)!;
    expect(y).toBe(18);
    const slots = pullback(1);
    expect(slots).toHaveLength(5);
    expect(slots[0]).toBe(NoTangent);
    expect(slots[1]).toBeInstanceOf(Tangent);
    expect((slots[1] as Tangent).backing).toEqual({ c: 6 });
    expect(slots[2]).toBe(NoTangent);
    expect(slots[3]).toBe(9);
    expect(slots[4]).toBe(6);
  });

  it('uses the default c = 42 when the options are empty, and owes no tangent for c', () => {
    const [y, pullback] = rrule(kwcall, {}, foo, 2, 3)!;
    expect(y).toBe(252);
    expect(pullback(1)).toEqual([NoTangent, NoTangent, NoTangent, 126, 84]);
  });

  it('takes options passed last in the positional form, with their tangent last', () => {
    const [y, pullback] = rrule(foo, 2, 3, { c: 3 })!;
    expect(y).toBe(18);
    const [self, da, db, dkw] = pullback(2);
    expect([self, da, db]).toEqual([NoTangent, 18, 12]);
    expect((dkw as Tangent).backing).toEqual({ c: 12 });
    expect(rrule(foo, 2, 3)![1](1)).toEqual([NoTangent, 126, 84]);
  });

  it('is found under the plain function too', () => {
    const [y, pullback] = rrule(kwcall, { c: 3 }, fooImpl, 2, 3)!;
    expect(y).toBe(18);
    expect(pullback(1).slice(3)).toEqual([9, 6]);
    expect(calls.rrule).toBeGreaterThan(0);
  });

  it('kwcall(kw, f, ...args) is f(...args, kw)', () => {
    expect(kwcall({ c: 3 }, foo, 2, 3)).toBe(18);
    expect(kwcall({}, fooImpl, 2, 3)).toBe(252);
  });

  it('frule gives ẏ = 6 for ċ = 1', () => {
    const [y, dy] = frule([NoTangent, new Tangent({ c: 1 }), NoTangent, ZeroTangent, ZeroTangent], kwcall, { c: 3 }, foo, 2, 3)!;
    expect(y).toBe(18);
    expect(dy).toBe(6);
    const [, dyAll] = frule([NoTangent, 1, 1, new Tangent({ c: 1 })], foo, 2, 3, { c: 3 })!;
    expect(dyAll).toBe(9 + 6 + 6);
  });

  it('calls the plain function, not the rule, with plain numbers', () => {
    resetCalls();
    expect(foo(2, 3, { c: 3 })).toBe(18);
    expect(foo(2, 3)).toBe(252);
    expect(calls).toEqual({ impl: 2, rrule: 0, pullback: 0, frule: 0 });
  });

  it('refuses a differentiable option on a rule that declares none', () => {
    const bar = defineRule((a: number, b: number) => a * b, {
      name: 'bar',
      rrule: (_cfg, _opts, a, b) => [a * b, (dy) => ({ args: [dy * b, dy * a] })],
    });
    expect(rrule(kwcall, {}, bar, 2, 3)![1](1)).toEqual([NoTangent, NoTangent, NoTangent, 3, 2]);
    let error: unknown;
    try {
      rrule(kwcall, { c: 3 }, bar, 2, 3);
    } catch (e) {
      error = e;
    }
    expect(isRuleError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'undeclared-option', rule: 'bar', slot: 'kwargs.c' });
  });

  it('returns undefined where no rule exists', () => {
    expect(rrule((x: number) => x, 1)).toBeUndefined();
    expect(frule([NoTangent, 1], (x: number) => x, 1)).toBeUndefined();
    const onlyReverse = defineRule((x: number) => 2 * x, { rrule: (_c, _o, x) => [2 * x, (dy) => ({ args: [2 * dy] })] });
    expect(frule([NoTangent, 1], onlyReverse, 1)).toBeUndefined();
  });
});
