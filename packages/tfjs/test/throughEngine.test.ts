import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Tangent, defineRule, installedAdapters, kw, namespaceOf } from '@chainrules/core';
import { f64, testRrule, testScalar } from '@chainrules/testing';
import { countRuns, foo } from '@chainrules/testing/fixtures';
import { tfjsEngine } from '../src/testing';

/*
 * Rules checked through TF.js with the published engine: float32 gradients against float64
 * finite differences, the run counters proving TF.js ran the rule. (The rules of
 * @chainrules/rules are checked through both engines in that package's tests.)
 */


type V = any;

/** scaledExp(x, { rate, shift, label }) = exp(rate·x) + shift, with a pullback whose rate cotangent is off by `rateError`. */
function makeScaledExp(name: string, rateError = 0) {
  return defineRule(
    (x: V, { rate = 1, shift = 0 }: { rate?: V; shift?: V; label?: string } = {}): V => {
      const xp = namespaceOf(x, rate, shift);
      return xp.add(xp.exp(xp.multiply(rate, x)), shift);
    },
    {
      name,
      kwargs: z.object({ rate: kw.diff().default(1), shift: kw.diff().default(0), label: z.string().optional() }),
      rrule: ({ xp }, { rate, shift }, x) => {
        const e = xp.exp(xp.multiply(rate, x));
        return [
          xp.add(e, shift),
          (dy: V) => ({
            args: [xp.multiply(dy, xp.multiply(rate, e))],
            // A cotangent larger than its value (shift a number, dy a vector) is summed down by core.
            kwargs: new Tangent({ rate: xp.sum(xp.multiply(dy, xp.multiply(xp.add(x, rateError), e))), shift: dy }),
          }),
        ];
      },
    },
  );
}

describe('testRrule through TF.js', () => {
  it('passes the seed foo on numbers and float64 arrays, options included, and proves TF.js ran its rule', () => {
    const counter = countRuns(foo);
    const report = testRrule(foo, [2, 3], { kwargs: { c: 4 }, engine: tfjsEngine });
    expect(report.checks).toEqual(expect.arrayContaining(["through the engine 'tfjs'", 'cotangent args[0]', 'cotangent args[1]', 'cotangent kwargs.c']));
    expect(counter.runs).toMatchObject({ rrule: 1, pullback: 1, frule: 0 });
    testRrule(foo, [f64([1, -2, 0.5]), f64([3, 4, -1])], { kwargs: { c: f64([0.5, 2, -1.5]), mode: 'sum' }, engine: tfjsEngine });
    testRrule(foo, [f64([[1, 2], [3, 4]]), 0.5], { kwargs: { c: f64([2, -1]) }, engine: tfjsEngine });
  });

  it('differentiates every option leaf the caller passed, and leaves a static one alone', () => {
    const scaledExp = makeScaledExp('tfjsScaledExp');
    const report = testRrule(scaledExp, [f64([-0.5, 0.2, 1.1])], { kwargs: { rate: 0.7, shift: f64([1, 2, 3]), label: 'static' }, engine: tfjsEngine });
    expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent kwargs.rate', 'cotangent kwargs.shift']));
    expect(report.checks.join()).not.toContain('label');
  });

  it('leaves no tensor behind and the adapter as it found it', () => {
    const before = tf.memory().numTensors;
    const adapters = installedAdapters().length;
    testRrule(foo, [f64([1, 2]), 3], { kwargs: { c: 4 }, engine: tfjsEngine });
    expect(tf.memory().numTensors).toBe(before);
    expect(installedAdapters()).toHaveLength(adapters);
  });
});

describe('testFrule through TF.js', () => {
  it('testScalar checks the rrule through TF.js and says the frule was not', () => {
    const cube = defineRule((x: V): V => namespaceOf(x).pow(x, 3), {
      name: 'tfjsCube',
      rrule: ({ xp }, _opts, x) => [xp.pow(x, 3), (dy: V) => ({ args: [xp.multiply(dy, xp.multiply(3, xp.square(x)))] })],
      frule: ({ xp }, { args: [dx] }, _opts, x) => [xp.pow(x, 3), xp.multiply(dx, xp.multiply(3, xp.square(x)))],
    });
    expect(testScalar(cube, 0.7, { engine: tfjsEngine }).checks).toEqual(expect.arrayContaining(["rrule: through the engine 'tfjs'", "frule: not checked: the engine 'tfjs' has no forward mode"]));
  });
});
