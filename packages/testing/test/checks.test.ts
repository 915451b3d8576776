import { describe, expect, it } from 'vitest';
import { defineRule, installedAdapters, scale } from '@chainrules/core';
import { derivative, f64, testFrule, testRrule, testScalar } from '../src/index';
import type { RuleCheckError, RuleCheckKind } from '../src/index';
import { foo } from '../src/fixtures';
import { gauss, makeFoo, makeGauss, makePower, makeRecordRule, selfZero, shortPullback } from './support/rules';
import { expectCheckFailure } from '../src/check/ruleCheckError';


function expectFailure(run: () => unknown, kind: RuleCheckKind, slot: string | undefined, ...phrases: string[]): RuleCheckError {
  const error = expectCheckFailure(run);
  expect({ kind: error.kind, slot: error.slot }).toEqual({ kind, slot });
  for (const phrase of phrases) expect(error.message).toContain(phrase);
  return error;
}

describe('finite differences', () => {
  it('reach about 1e-10 relative on smooth functions', () => {
    for (const [phi, exact] of [
      [(t: number) => Math.exp(1 + t), Math.exp(1)],
      [(t: number) => Math.sin(0.3 + 2 * t), 2 * Math.cos(0.3)],
      [(t: number) => Math.log(0.5 + t), 2],
      [(t: number) => 1e6 * (1 + t) ** 3, 3e6],
    ] as const) {
      const fd = derivative(phi, 1e-2);
      expect(Math.abs(fd.value - exact) / Math.abs(exact)).toBeLessThan(1e-10);
      expect(fd.error).toBeLessThan(1e-6 * Math.abs(exact));
    }
  });

  it('shrink the step until the function is finite, and flag a kink by its error estimate', () => {
    expect(derivative((t) => Math.sqrt(1e-3 + t), 0.1).value).toBeCloseTo(0.5 / Math.sqrt(1e-3), 6);
    const kink = derivative((t) => Math.abs(t), 0.1);
    expect(kink.value).toBeCloseTo(0, 12); // symmetric: the central difference is 0
    const step = derivative((t) => (t > 0 ? t : 0) + t, 0.1);
    expect(step.value).toBeCloseTo(1.5, 12); // the mean of the one-sided slopes, not a derivative
  });
});

describe('correct rules pass', () => {
  it('the seed with and without c, on numbers and arrays, rrule and frule', () => {
    const withC = testRrule(foo, [2, 3], { kwargs: { c: 3 } });
    expect(withC.rule).toBe('foo');
    expect(withC.checks).toEqual(
      expect.arrayContaining([
        'primal output',
        'cotangent args[0]',
        'cotangent args[1]',
        'cotangent kwargs.c',
        'NoTangent for self',
        'thunked cotangent',
        'keyword and options-last forms agree',
        'add accumulates the tangents',
        'frule and rrule agree (dot-product identity)',
        'no input mutated',
      ]),
    );
    expect(testRrule(foo, [2, 3]).checks).not.toContain('cotangent kwargs.c');
    expect(testRrule(foo, [2, 3], { kwargs: {} }).checks).toContain('cotangent args[1]');
    expect(testFrule(foo, [2, 3], { kwargs: { c: 3 } }).checks).toEqual(
      expect.arrayContaining(['tangent args[0]', 'tangent kwargs.c', 'all tangents at once', 'thunked tangents', 'frule and rrule agree (dot-product identity)']),
    );
    testRrule(foo, [f64([1, 2, 3]), f64([0.5, -1, 2])], { kwargs: { c: f64([2, 3, 4]) } });
    testFrule(foo, [f64([[1, 2], [3, 4]]), f64([[0.5, 1], [-1, 2]])], { kwargs: { c: f64([[2, 3], [4, 5]]) } });
    testRrule(foo, [f64(2), 3], { kwargs: { c: 0.5 } }); // 0-d arrays and numbers together
    expect(testScalar(gauss, 0.4, { kwargs: { prior: { mu: 0.1, tau: 2 } } }).checks).toContain('rrule: cotangent kwargs.prior.tau');
    expectFailure(() => testScalar(foo, 1.5), 'rule-error', undefined, 'threw');
  });

  it('nested option records, static options, array inputs and both output modes', () => {
    const x = f64([0.1, -0.4, 1.2, 0.7]);
    for (const mode of ['sum', 'mean'] as const) {
      const report = testRrule(gauss, [x], { kwargs: { prior: { mu: 0.3, tau: f64(1.7), label: 'p' }, mode } });
      expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent kwargs.prior.mu', 'cotangent kwargs.prior.tau']));
    }
    expect(testRrule(gauss, [x], { kwargs: { mode: 'mean' } }).checks).not.toContain('cotangent kwargs.prior.mu');
  });

  it('a numeric argument the rule declares static (staticArgs), static strings, and record arguments', () => {
    const power = makePower('power', 'none');
    expect(testRrule(power, [1.3, 3]).checks.filter((check) => check.startsWith('cotangent'))).toEqual(['cotangent args[0]']);
    testRrule(power, [1.3, 3], { nonDifferentiable: [1] }); // marking it again changes nothing
    testRrule(makeRecordRule('recordRule', 'zero'), [{ x: 2, k: 3.5 }, 'label']);
  });

  it('installs the reference adapter only for the check', () => {
    const before = installedAdapters().length;
    testRrule(foo, [f64([1, 2]), f64([3, 4])], { kwargs: { c: f64([2, 2]) } });
    expect(installedAdapters().length).toBe(before);
  });
});

describe('wrong rules fail, with the slot and the numbers', () => {
  it('a sign error in an argument cotangent', () => {
    const error = expectFailure(() => testRrule(makeFoo('fooSign', { signA: -1 }), [2, 3], { kwargs: { c: 3 } }), 'cotangent', 'args[0]',
      'testRrule(fooSign) [args[0]]: the cotangent of args[0] disagrees with finite differences',
      'expected ⟨x̄, v⟩ = ', 'got      ⟨x̄, v⟩ = ', 'central differences with Richardson extrapolation, step', 'direction v', 'cotangent ȳ', 'seed 1');
    expect(error.expected).toBeCloseTo(-(error.got as number), 6);
  });

  it('a wrong kwargs tangent, flat and nested', () => {
    expectFailure(() => testRrule(makeFoo('fooScaleC', { scaleC: 2 }), [2, 3], { kwargs: { c: 3 } }), 'cotangent', 'kwargs.c', 'the cotangent of kwargs.c');
    expectFailure(() => testRrule(makeGauss('gaussMu', { muSign: -1 }), [f64([0.1, 0.9])], { kwargs: { prior: { mu: 0.3 } } }), 'cotangent', 'kwargs.prior.mu');
  });

  it('a missing kwargs tangent', () => {
    expectFailure(() => testRrule(makeFoo('fooDropC', { dropC: true }), [2, 3], { kwargs: { c: 3 } }), 'rule-error', 'kwargs.c', 'missing-tangent', 'Return kwargs: new Tangent({ c: … })');
  });

  it('a tangent for a static option', () => {
    expectFailure(() => testRrule(makeGauss('gaussMode', { modeTangent: true }), [f64([0.1, 0.9])], { kwargs: { prior: { mu: 0.3 }, mode: 'sum' } }), 'rule-error', 'kwargs.mode', 'tangent-for-static');
  });

  it('the wrong zero kind', () => {
    // NoTangent where a derivative exists (and happens to be zero).
    expectFailure(() => testRrule(makeRecordRule('recordNoTangent', 'no-tangent'), [{ x: 2, k: 3.5 }, 'label']), 'zero-kind', 'args[0].k', 'got NoTangent', 'return ZeroTangent');
    // ZeroTangent where none exists: a count, the function itself.
    expectFailure(() => testRrule(makePower('powerZero', 'zero'), [1.3, 3]), 'rule-error', 'args[1]', 'tangent-for-static', 'staticArgs');
    expectFailure(() => testRrule(selfZero, [1]), 'zero-kind', 'self', 'plain function');
    // Undeclared, a count is a number with a derivative: core refuses NoTangent for it (a silent zero on an engine).
    expectFailure(() => testRrule(makePower('powerUnmarked', 'none', false), [1.3, 3]), 'rule-error', 'args[1]', 'missing-tangent', 'staticArgs');
  });

  it('a wrong slot count', () => {
    expectFailure(() => testRrule(shortPullback, [2, 3]), 'rule-error', 'args', 'wrong-slot-count');
  });

  it('a cotangent of the wrong shape', () => {
    // With vector a and b, foo's c̄ = ȳ·a·b is a vector for a scalar c: it must be summed.
    expectFailure(() => testRrule(foo, [f64([1, 2]), f64([3, 4])], { kwargs: { c: 2 } }), 'tangent-kind', 'kwargs.c', 'an array of shape [2] for an input of shape []');
  });

  it('a wrong primal, a wrong frule, a NoTangent output tangent', () => {
    expectFailure(() => testRrule(makeFoo('fooPrimal', { primalOffset: 1e-3 }), [2, 3], { kwargs: { c: 3 } }), 'primal', 'y', 'differs');
    expectFailure(() => testFrule(makeFoo('fooFrule', { frule: 'wrong-c' }), [2, 3], { kwargs: { c: 3 } }), 'tangent', 'kwargs.c', 'the tangent output for a tangent on kwargs.c');
    expectFailure(() => testRrule(makeFoo('fooDual', { frule: 'wrong-c' }), [2, 3], { kwargs: { c: 3 } }), 'duality', undefined, '⟨ȳ, ẏ⟩', 'Σ⟨x̄ᵢ, ẋᵢ⟩');
    expectFailure(() => testFrule(makeFoo('fooNoTangent', { frule: 'no-tangent' }), [2, 3], { kwargs: { c: 3 } }), 'zero-kind', 'y', 'NoTangent');
  });

  it('a rule that mutates its input', () => {
    expectFailure(() => testRrule(makeGauss('gaussMutates', { mutate: true }), [f64([0.1, 0.9])], { kwargs: { prior: { mu: 0.3 } } }), 'mutation', 'args[0][0]', 'changed its input');
  });

  it('no rule, or no rule of the kind checked', () => {
    expectFailure(() => testRrule((x: number) => x, [1]), 'no-rule', undefined, 'invalid-rule');
    expectFailure(() => testFrule(makeFoo('fooNoFrule', { frule: 'none' }), [2, 3]), 'no-rule', undefined, 'no forward rule');
    const forwardOnly = defineRule((x: number) => x * x, { name: 'forwardOnly', frule: (_cfg, { args: [dx] }, _opts, x) => [x * x, scale(2 * x, dx)] });
    expectFailure(() => testRrule(forwardOnly, [1]), 'no-rule', undefined, 'no reverse rule');
    expect(testScalar(forwardOnly, 0.7).checks).toContain('frule: tangent args[0]');
  });

  it('the seed reproduces a failure exactly', () => {
    const run = (seed: number) => expectCheckFailure(() => testRrule(makeFoo('fooSeeded', { signA: -1 }), [f64([1, 2]), f64([3, 4])], { kwargs: { c: f64([1, 1]) }, seed }));
    expect(run(7).got).toBe(run(7).got);
    expect(run(7).got).not.toBe(run(8).got);
  });
});
