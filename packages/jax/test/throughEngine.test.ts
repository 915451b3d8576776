import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Tangent, defineRule, installedAdapters, isZero, kw, namespaceOf } from '@chainrules/core';
import { f64, testFrule, testRrule, testScalar } from '@chainrules/testing';
import type { RuleConfig } from '@chainrules/core';
import { countRuns, foo } from '@chainrules/testing/fixtures';
import { jaxEngine } from '../src/testing';

/*
 * Rules checked through jax-js with the published engine: float32 gradients (jax-js transposes
 * the frule where there is one) and jvps against float64 finite differences, the run counters
 * proving jax-js ran the rule. (The rules of @chainrules/rules are checked through both
 * engines in that package's tests.)
 */

beforeAll(async () => {
  await jaxEngine.setup();
});


type V = any;

/** scaledExp(x, { rate, shift, label }) = exp(rate·x) + shift; `rateError` puts the rate's derivative off in the rrule, `frule` adds a wrong one. */
function makeScaledExp(name: string, { rateError = 0, frule = 'none' }: { rateError?: number; frule?: 'none' | 'right' | 'wrong' } = {}) {
  const impl = (x: V, { rate = 1, shift = 0 }: { rate?: V; shift?: V; label?: string } = {}): V => {
    const xp = namespaceOf(x, rate, shift);
    return xp.add(xp.exp(xp.multiply(rate, x)), shift);
  };
  return defineRule(impl, {
    name,
    kwargs: z.object({ rate: kw.diff().default(1), shift: kw.diff().default(0), label: z.string().optional() }),
    rrule: ({ xp }, { rate, shift }, x) => {
      const e = xp.exp(xp.multiply(rate, x));
      return [
        xp.add(e, shift),
        (dy: V) => ({
          args: [xp.multiply(dy, xp.multiply(rate, e))],
          kwargs: new Tangent({ rate: xp.sum(xp.multiply(dy, xp.multiply(xp.add(x, rateError), e))), shift: dy }),
        }),
      ];
    },
    ...(frule === 'none'
      ? {}
      : {
          frule: ({ xp }: RuleConfig<V>, { args: [dx], kwargs: dkw }: V, { rate, shift }: V, x: V) => {
            const e = xp.exp(xp.multiply(rate, x));
            const k = frule === 'wrong' ? 2 : 1;
            const drate = dkw.get('rate');
            const dshift = dkw.get('shift');
            let dy: V = xp.multiply(xp.multiply(rate, e), dx as V);
            if (!isZero(drate)) dy = xp.add(dy, xp.multiply(xp.multiply(k, xp.multiply(x, e)), drate as V));
            if (!isZero(dshift)) dy = xp.add(dy, dshift as V);
            return [xp.add(e, shift), dy];
          },
        }),
  });
}

describe('testRrule through jax-js', () => {
  it('passes the seed foo on numbers and float64 arrays, options included, and proves jax-js ran its rule', () => {
    const counter = countRuns(foo);
    const report = testRrule(foo, [2, 3], { kwargs: { c: 4 }, engine: jaxEngine });
    expect(report.checks).toEqual(expect.arrayContaining(["through the engine 'jax'", 'cotangent args[0]', 'cotangent args[1]', 'cotangent kwargs.c']));
    expect(counter.runs.rrule + counter.runs.frule).toBeGreaterThan(0);
    testRrule(foo, [f64([1, -2, 0.5]), f64([3, 4, -1])], { kwargs: { c: f64([0.5, 2, -1.5]), mode: 'sum' }, engine: jaxEngine });
  });

  it('checks an rrule-only rule with every option leaf the caller passed, a static one left alone', () => {
    const scaledExp = makeScaledExp('jaxScaledExp');
    const report = testRrule(scaledExp, [f64([-0.5, 0.2, 1.1])], { kwargs: { rate: 0.7, shift: f64([1, 2, 3]), label: 'static' }, engine: jaxEngine });
    expect(report.checks).toEqual(expect.arrayContaining(['cotangent args[0]', 'cotangent kwargs.rate', 'cotangent kwargs.shift']));
    expect(report.checks.join()).not.toContain('label');
  });

  it('leaves the adapters as it found them', () => {
    const adapters = installedAdapters().length;
    testRrule(foo, [f64([1, 2]), 3], { kwargs: { c: 4 }, engine: jaxEngine });
    expect(installedAdapters()).toHaveLength(adapters);
  });
});

describe('testFrule through jax-js', () => {
  it('passes the seed foo through jax-js’s jvp, options included', () => {
    const counter = countRuns(foo);
    const report = testFrule(foo, [f64([1, -2]), f64([3, 4])], { kwargs: { c: 0.5 }, engine: jaxEngine });
    expect(report.checks).toEqual(expect.arrayContaining(["through the engine 'jax'", 'tangent args[0]', 'tangent args[1]', 'tangent kwargs.c', 'all tangents at once']));
    expect(counter.runs.frule).toBeGreaterThan(0);
  });

  it('testScalar checks both rules through jax-js', () => {
    const report = testScalar(makeScaledExp('jaxScalar', { frule: 'right' }), 0.4, { kwargs: { rate: 1.3 }, engine: jaxEngine });
    expect(report.checks).toEqual(expect.arrayContaining(["rrule: through the engine 'jax'", "frule: through the engine 'jax'", 'frule: tangent kwargs.rate']));
  });
});
