import { describe, expect, it } from 'vitest';
import { rrule } from '@chainrules/core';
import { f64, withReferenceAdapter } from '@chainrules/testing';
import { logit, sigmoid, softplus } from '../src/index';
import { checkRule, expectClose, values } from './support';

const xs = [-30, -4.2, -0.6, 0, 0.3, 2.5, 17, 40];

describe('softplus', () => {
  it('is log(1 + eˣ), exact in both tails and without overflow at ±1000', () => {
    for (const x of [-4.2, -0.6, 0, 0.3, 2.5]) expect(softplus(x)).toBeCloseTo(Math.log(1 + Math.exp(x)), 15);
    expect(softplus(1000)).toBe(1000);
    expect(softplus(-1000)).toBe(0);
    expectClose(softplus(-40), [Math.exp(-40)], 1e-14); // relative accuracy in the lower tail
    expect(softplus(40)).toBe(40 + Math.exp(-40));
  });

  it('passes testRrule and testFrule on numbers and f64 arrays, hard points included', () => {
    for (const x of [...xs, 1000, -1000]) expect(checkRule(softplus, [x])).toEqual(['cotangent args[0]']);
    checkRule(softplus, [f64([xs.slice(0, 4), xs.slice(4)])]);
  });

  it('has derivative sigmoid(x), finite at ±1000', () => {
    expect(rrule(softplus, 1000)![1](1)[1]).toBe(1);
    expect(rrule(softplus, -1000)![1](1)[1]).toBe(0);
    expect(rrule(softplus, 0)![1](2)[1]).toBe(1);
  });
});

describe('sigmoid', () => {
  it('is 1/(1 + e⁻ˣ), without overflow at ±1000, with relative accuracy in the lower tail', () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(1000)).toBe(1);
    expect(sigmoid(-1000)).toBe(0);
    expectClose(sigmoid(-700), [Math.exp(-700)], 1e-13);
    for (const x of [-4.2, 0.3, 2.5]) expect(sigmoid(x)).toBeCloseTo(1 / (1 + Math.exp(-x)), 15);
  });

  it('passes testRrule and testFrule on numbers and f64 arrays, hard points included', () => {
    for (const x of [...xs, 1000, -1000]) checkRule(sigmoid, [x]);
    checkRule(sigmoid, [f64(xs)]);
  });

  it('keeps the derivative’s relative accuracy where σ rounds to 1', () => {
    // σ(40) = 1 in float64, but σ'(40) = e⁻⁴⁰/(1 + e⁻⁴⁰)² ≈ 4.25e-18, not 0.
    expectClose(rrule(sigmoid, 40)![1](1)[1], [Math.exp(-40) / (1 + Math.exp(-40)) ** 2], 1e-14);
    expect(rrule(sigmoid, -1000)![1](1)[1]).toBe(0);
  });
});

describe('logit', () => {
  it('is log(p/(1 − p)), accurate near 0 and 1', () => {
    expect(logit(0.5)).toBe(0);
    expectClose(logit(1e-300), [Math.log(1e-300)], 1e-15);
    expectClose(logit(0.75), [Math.log(3)], 1e-15);
    expectClose(logit(1 - 2 ** -40), [Math.log((1 - 2 ** -40) / 2 ** -40)], 1e-14);
  });

  it('passes testRrule and testFrule on numbers and f64 arrays, near the ends too', () => {
    for (const p of [0.5, 0.03, 0.97, 0.2]) checkRule(logit, [p]);
    checkRule(logit, [1e-6], { step: 1e-8 });
    checkRule(logit, [f64([0.1, 0.5, 0.93, 0.999])], { step: 1e-5 });
  });

  it('inverts sigmoid, in float64 arrays too', () => {
    withReferenceAdapter(() => expectClose(sigmoid(logit(f64([0.1, 0.5, 0.9]))), [0.1, 0.5, 0.9], 1e-15));
    expect(values(logit(sigmoid(2)))[0]).toBeCloseTo(2, 14);
  });
});
