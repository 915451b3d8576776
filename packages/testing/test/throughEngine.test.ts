import { describe, expect, it } from 'vitest';
import { defineRule, installedAdapters, namespaceOf, optOut } from '@chainrules/core';
import { f64, testFrule, testRrule, testScalar } from '../src/index';
import type { RuleCheckError, RuleCheckKind } from '../src/index';
import { countRuns, foo } from '../src/fixtures';
import { gauss, makeFoo, makePower } from './support/rules';
import { tapeAdapter, tapeEngine } from './support/tapeEngine';
import type { Traced } from './support/tapeEngine';
import type { ConformanceEngine } from '../src/conformance/engine';
import { expectCheckFailure } from '../src/check/ruleCheckError';

/*
 * The checks through an engine, on the tape engine of the conformance suite's own tests: it
 * records rule-aware calls as nodes (reverse) or tangent steps (forward), counts the arrays it
 * hands out until they are disposed, and its `around` check fails on a leak.
 */


function expectFailure(run: () => unknown, kind: RuleCheckKind, slot: string | undefined, ...phrases: string[]): RuleCheckError {
  const error = expectCheckFailure(run);
  expect({ kind: error.kind, slot: error.slot }, error.message).toEqual({ kind, slot });
  for (const phrase of phrases) expect(error.message).toContain(phrase);
  return error;
}

const engine = tapeEngine();
const reverseOnly: ConformanceEngine<Traced> = (({ jvp: _jvp, jvpTree: _jvpTree, ...rest }) => rest)(tapeEngine(tapeAdapter('tape-reverse-only', false)));

describe('testRrule through an engine', () => {
  it('passes the seed on numbers and arrays, options included, and proves the engine ran its rule', () => {
    const counter = countRuns(foo);
    const report = testRrule(foo, [2, 3], { kwargs: { c: 4 }, engine });
    expect(report.rule).toBe('foo');
    expect(report.checks).toEqual(expect.arrayContaining(["through the engine 'tape'", 'primal output under tape', 'cotangent args[0]', 'cotangent args[1]', 'cotangent kwargs.c']));
    expect(report.checks.find((check) => check.startsWith('the engine ran the rule'))).toBe('the engine ran the rule (rrule 1, pullback 1, frule 0)');
    expect(counter.runs).toMatchObject({ rrule: 1, pullback: 1 });
    const arrays = testRrule(foo, [f64([1, 2]), f64([3, -4])], { kwargs: { c: f64([0.5, 2]), mode: 'prod' }, engine });
    // Small arrays are compared element by element too.
    expect(arrays.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent kwargs.c']));
  });

  it('differentiates nested option leaves and leaves static ones alone', () => {
    const report = testRrule(gauss, [f64([0.2, -0.5, 1])], { kwargs: { prior: { mu: 0.3, tau: 1.5, label: 'p' }, mode: 'mean' }, engine });
    expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent kwargs.prior.mu', 'cotangent kwargs.prior.tau']));
    expect(report.checks.join()).not.toContain('label');
  });

  it('keeps a number the rule declares static a plain number', () => {
    const power = makePower('enginePower', 'none');
    const report = testRrule(power, [f64([0.5, 1.5]), 3], { engine });
    expect(report.checks).toContain('cotangent args[0]');
    expect(report.checks.join()).not.toContain('args[1]');
  });

  it('fails a wrong pullback with the slot named, and the engine named as the source', () => {
    const wrongC = makeFoo('engineWrongC', { scaleC: 2, frule: 'none' });
    expectFailure(() => testRrule(wrongC, [2, 3], { kwargs: { c: 4 }, engine }), 'cotangent', 'kwargs.c', "the engine 'tape's gradient", 'seed 1');
    const wrongA = makeFoo('engineWrongA', { signA: -1, frule: 'none' });
    expectFailure(() => testRrule(wrongA, [f64([1, 2]), f64([3, 4])], { kwargs: { c: 2 }, engine }), 'cotangent', 'args[0]');
  });

  it('fails with not-run when the engine never ran the rule, even though its own gradient is right', () => {
    const never = makeFoo('engineOptedOut');
    optOut(never, () => true);
    const error = expectFailure(() => testRrule(never, [2, 3], { kwargs: { c: 4 }, engine }), 'not-run', undefined, 'never ran the rule of engineOptedOut');
    expect(error.message).toContain('optOut');
  });

  it('fails a function that is not rule-aware (though it calls one) before touching the engine', () => {
    const wrapper = (a: number, b: number, options: { c: number }) => foo(a, b, options);
    expectFailure(() => testRrule(wrapper, [2, 3], { kwargs: { c: 4 }, engine }), 'no-rule', undefined, 'ruleCallOf takes a function with a rule');
  });

  it('pulls back the cotangent it is given, and refuses a zero one', () => {
    const wrongA = makeFoo('engineWrongAGiven', { signA: -1, frule: 'none' });
    expectFailure(() => testRrule(wrongA, [f64([1, 2]), 3], { kwargs: { c: 2 }, cotangent: f64([0.5, -1]), engine }), 'cotangent', 'args[0]', 'cotangent ȳ = F64Array(shape [2]) [0.5, -1]');
    expectFailure(() => testRrule(foo, [f64([1, 2]), 3], { kwargs: { c: 2 }, cotangent: f64([0, 0]), engine }), 'tangent-kind', 'ȳ', 'the cotangent is zero');
  });

  it('takes its tolerances from rtol and atol (1e-3 by default)', () => {
    const slightly = makeFoo('engineSlightly', { scaleC: 1 + 1e-5, frule: 'none' });
    expect(() => testRrule(slightly, [2, 3], { kwargs: { c: 4 }, engine })).not.toThrow();
    expectFailure(() => testRrule(slightly, [2, 3], { kwargs: { c: 4 }, engine, rtol: 1e-7, atol: 1e-9 }), 'cotangent', 'kwargs.c');
  });

  it('installs the engine’s adapter for the check only, and disposes every array it made (the tape engine’s around check)', () => {
    const before = installedAdapters().length;
    testRrule(foo, [f64([1, 2]), 3], { kwargs: { c: 4 }, engine });
    expect(installedAdapters()).toHaveLength(before);
  });

  it('reports an engine that leaks or has no reverse mode as an engine failure', () => {
    const leaky: ConformanceEngine<Traced> = { ...engine, dispose: () => undefined };
    expectFailure(() => testRrule(foo, [2, 3], { kwargs: { c: 4 }, engine: leaky }), 'engine', undefined, 'leak check', 'arrays not disposed');
    const { grads: _grads, gradTree: _gradTree, ...forwardOnly } = engine;
    expectFailure(() => testRrule(foo, [2, 3], { kwargs: { c: 4 }, engine: forwardOnly }), 'engine', undefined, 'no reverse mode');
  });

  it('runs the leak check even when disposing fails, and reports that failure', () => {
    let checked = 0;
    const breaking: ConformanceEngine<Traced> = {
      ...engine,
      dispose: () => {
        throw new Error('dispose broke');
      },
      around: () => () => void checked++,
    };
    expectFailure(() => testRrule(foo, [2, 3], { kwargs: { c: 4 }, engine: breaking }), 'engine', undefined, 'dispose broke');
    expect(checked).toBe(1);
  });

  it('reports a wrong rule before a leak found after it', () => {
    const leaky: ConformanceEngine<Traced> = { ...engine, dispose: () => undefined };
    const wrong = makeFoo('engineWrongLeaky', { scaleC: 2, frule: 'none' });
    expectFailure(() => testRrule(wrong, [2, 3], { kwargs: { c: 4 }, engine: leaky }), 'cotangent', 'kwargs.c');
  });
});

describe('testFrule through an engine', () => {
  it('passes the seed through the engine’s jvp, options included', () => {
    const counter = countRuns(foo);
    const report = testFrule(foo, [f64([1, 2]), f64([3, -4])], { kwargs: { c: 0.5 }, engine });
    expect(report.checks).toEqual(expect.arrayContaining(["through the engine 'tape'", 'tangent args[0]', 'tangent args[1]', 'tangent kwargs.c', 'all tangents at once']));
    expect(counter.runs.frule).toBeGreaterThan(0);
  });

  it('fails a wrong frule with the slot named', () => {
    const wrong = makeFoo('engineWrongFrule', { frule: 'wrong-c' });
    expectFailure(() => testFrule(wrong, [2, 3], { kwargs: { c: 4 }, engine }), 'tangent', 'kwargs.c', "the engine 'tape's jvp");
  });

  it('fails with not-run when the engine never ran the rule', () => {
    const never = makeFoo('engineForwardOptedOut');
    optOut(never, () => true);
    expectFailure(() => testFrule(never, [2, 3], { kwargs: { c: 4 }, engine }), 'not-run', undefined, 'never ran the rule');
  });

  it('says that an engine without forward mode cannot run it (an error, not a skip)', () => {
    expectFailure(() => testFrule(foo, [2, 3], { kwargs: { c: 4 }, engine: reverseOnly }), 'engine', undefined, "the engine 'tape-reverse-only' has no forward mode", 'testRrule(f, args, { engine })');
  });
});

describe('testScalar through an engine', () => {
  it('checks both rules where the engine has both modes, and says so where it has no forward mode', () => {
    const cube = defineRule((x: any) => namespaceOf(x).multiply(x, namespaceOf(x).square(x)), {
      name: 'engineCube',
      rrule: ({ xp }, _opts, x) => [xp.multiply(x, xp.square(x)), (dy: any) => ({ args: [xp.multiply(dy, xp.multiply(3, xp.square(x)))] })],
      frule: ({ xp }, { args: [dx] }, _opts, x) => [xp.multiply(x, xp.square(x)), xp.multiply(dx, xp.multiply(3, xp.square(x)))],
    });
    const both = testScalar(cube, 1.5, { engine });
    expect(both.checks).toEqual(expect.arrayContaining(["rrule: through the engine 'tape'", "frule: through the engine 'tape'"]));
    const reverse = testScalar(cube, 1.5, { engine: reverseOnly });
    expect(reverse.checks).toEqual(expect.arrayContaining(["rrule: through the engine 'tape-reverse-only'", "frule: not checked: the engine 'tape-reverse-only' has no forward mode"]));
  });
});
