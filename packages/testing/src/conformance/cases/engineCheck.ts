import { expect } from 'vitest';
import { z } from 'zod';
import { Tangent, ZeroTangent, add, defineRule, isZero, kw, namespaceOf, optOut, unthunk } from '@chainrules/core';
import { expectCheckFailure } from '../../check/ruleCheckError';
import { testFrule } from '../../check/testFrule';
import { testRrule } from '../../check/testRrule';
import { f64 } from '../../reference/f64Array';
import type { CaseContext, ConformanceCase } from './context';

/*
 * The rule checks through the engine (`testRrule` / `testFrule` with `engine`): with the
 * engine's hooks, a right rule passes, a wrong derivative is caught at its slot, and a rule the
 * engine did not run is `not-run` — for every adapter, so that its users can check their rules
 * where they run.
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the rules take any engine's arrays
type V = any;

/** wobble(x, { k }) = k·sin(x); its derivatives for k are off by `error` (0: right). */
function makeWobble(name: string, error: number) {
  return defineRule(
    (x: V, { k = 1 }: { k?: V } = {}): V => {
      const xp = namespaceOf(x, k);
      return xp.multiply(k, xp.sin(x));
    },
    {
      name,
      kwargs: z.object({ k: kw.diff().default(1) }),
      rrule: ({ xp }, { k }, x) => [
        xp.multiply(k, xp.sin(x)),
        (dy) => ({ args: [xp.multiply(dy, xp.multiply(k, xp.cos(x)))], kwargs: new Tangent({ k: xp.add(xp.sum(xp.multiply(dy, xp.sin(x))), error) }) }),
      ],
      frule: ({ xp }, { args: [dx], kwargs }, { k }, x) => {
        const dk = unthunk(kwargs.get('k'));
        const viaX = isZero(unthunk(dx)) ? ZeroTangent : xp.multiply(xp.multiply(k, xp.cos(x)), unthunk(dx) as V);
        const viaK = isZero(dk) ? ZeroTangent : xp.multiply(dk as V, xp.add(xp.sin(x), error));
        return [xp.multiply(k, xp.sin(x)), add(viaX, viaK) as V];
      },
    },
  );
}

const wobble = makeWobble('wobble', 0);
const wobbleWrong = makeWobble('wobbleWrong', 0.25);
const wobbleSkipped = makeWobble('wobbleSkipped', 0);
optOut(wobbleSkipped, () => true);

const X = [-0.7, 0.4, 1.3];

/**
 * `check` (testRrule or testFrule) through the case's engine: wobble passes with a `kind`
 * (cotangent or tangent) checked for x and k, wobbleWrong fails at `kwargs.k`, wobbleSkipped is
 * `not-run`.
 */
function expectEngineChecks<A>(t: CaseContext<A>, check: typeof testRrule, name: string, kind: 'cotangent' | 'tangent'): void {
  const options = { kwargs: { k: 1.5 }, engine: t.engine };
  const report = check(wobble, [f64(X)], options);
  expect(report.checks, `${name}(wobble) through the engine`).toEqual(expect.arrayContaining([`${kind} args[0]`, `${kind} kwargs.k`]));
  const wrong = expectCheckFailure(() => check(wobbleWrong, [f64(X)], options), `${name}(wobbleWrong)`);
  expect([wrong.kind, wrong.slot], wrong.message).toEqual([kind, 'kwargs.k']);
  const skipped = expectCheckFailure(() => check(wobbleSkipped, [f64(X)], options), `${name}(wobbleSkipped) with the rule opted out`);
  expect(skipped.kind, skipped.message).toBe('not-run');
}

export const engineCheckCases: readonly ConformanceCase[] = [
  {
    id: 'engine-check',
    group: 'reverse mode',
    needs: ['reverse'],
    title: "testRrule through the engine (its hooks as the engine option): a right rule passes, a wrong option cotangent fails at kwargs.k, a rule the engine did not run is 'not-run'; without forward mode, testFrule is an 'engine' failure",
    run(t) {
      expectEngineChecks(t, testRrule, 'testRrule', 'cotangent');
      if (t.cannot.has('forward')) {
        const forward = expectCheckFailure(() => testFrule(wobble, [f64(X)], { kwargs: { k: 1.5 }, engine: t.engine }), 'testFrule on an engine without forward mode');
        expect(forward.kind, forward.message).toBe('engine');
      }
      t.expectIdle('after the engine checks');
    },
  },
  {
    id: 'forward-engine-check',
    group: 'forward mode',
    needs: ['forward'],
    title: "testFrule through the engine: a right rule passes, a wrong option tangent fails at kwargs.k, a rule the engine did not run is 'not-run'",
    run(t) {
      expectEngineChecks(t, testFrule, 'testFrule', 'tangent');
      t.expectIdle('after the engine checks');
    },
  },
];
