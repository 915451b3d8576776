import { afterEach, describe, expect, it } from 'vitest';
import { grad, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { z } from 'zod';
import { ZeroTangent, add, defineRule, kw, namespaceOf, optOut, ruleRuns, scale, traceRules, watchRules } from '@chainrules/core';
import type { AnyFunction, RuleFallbackWarning, RuleTrace } from '@chainrules/core';
import { foo, rsq } from './support/rules';
import { js, useJax } from './support/setup';

type V = any;

/** cube(x) = x³ with only an frule: jax-js runs it (forward mode, transposed for grad). */
const cube = defineRule((x: V): V => namespaceOf(x).multiply(x, namespaceOf(x).square(x)), {
  name: 'cubeJ',
  frule: ({ xp }, { args: [dx] }, _o, x) => [xp.multiply(x, xp.square(x)), scale(xp.multiply(3, xp.square(x)), dx)],
});

/** clip(x, { mode }) = x with an frule; calls with mode 'native' are opted out. */
const clip = defineRule((x: V, _o: { mode?: 'rule' | 'native' } = {}): V => namespaceOf(x).multiply(x, 1), {
  name: 'clipJ',
  kwargs: z.object({ mode: z.enum(['rule', 'native']).default('rule') }),
  frule: ({ xp }, { args: [dx] }, _o, x) => [xp.multiply(x, 1), dx],
});
optOut(clip, (_x, options) => (options as { mode?: string } | undefined)?.mode === 'native');

/** scaleBy(x, { k }) = k·x with an frule. */
const scaleBy = defineRule(
  (x: V, { k = 2 }: { k?: V } = {}): V => {
    const xp = namespaceOf(x, k);
    return xp.multiply(k, x);
  },
  {
    name: 'scaleByJ',
    kwargs: z.object({ k: kw.diff().default(2) }),
    frule: ({ xp }, { args: [dx], kwargs: dkw }, { k }, x) => [xp.multiply(k, x), add(scale(k, dx), scale(x, dkw.get('k')))],
  },
);

/** outer(x) = 2x, whose frule calls another rule-aware function on the primal. */
const outer = defineRule((x: V): V => scaleBy(x), {
  name: 'outerJ',
  frule: ({ xp }, { args: [dx] }, _o, x) => [scaleBy(x), isZeroLike(dx) ? ZeroTangent : xp.multiply(dx, 2)],
});
const isZeroLike = (t: unknown): boolean => t === ZeroTangent;

const RULES: Record<string, AnyFunction> = { cubeJ: cube, clipJ: clip, scaleByJ: scaleBy, outerJ: outer, foo, rsq };
const runsNow = () => Object.fromEntries(Object.entries(RULES).map(([name, f]) => [name, ruleRuns(f)!]));

/** `f` traced, checking that the trace's run counts equal the `ruleRuns` differences over it. */
function traced<T>(f: () => T): { result: T; trace: RuleTrace } {
  const before = runsNow();
  const out = traceRules(f);
  const after = runsNow();
  for (const name of Object.keys(RULES)) {
    const delta = { rrule: after[name]!.rrule - before[name]!.rrule, pullback: after[name]!.pullback - before[name]!.pullback, frule: after[name]!.frule - before[name]!.frule };
    expect(out.trace.rules[name]?.runs ?? { rrule: 0, pullback: 0, frule: 0 }, name).toEqual(delta);
  }
  return out;
}

describe('traceRules under jax-js', () => {
  useJax();

  it('records a used frule: engine, depth, what ran, and the option slots that received tangents with their shapes', () => {
    const { result, trace } = traced(() => grad((o: { k: JaxArray }) => np.sum(scaleBy(np.array([1, 2]), o)))({ k: np.array([3, 4]) }));
    expect(js(result.k)).toEqual([1, 2]);
    expect(trace.calls).toHaveLength(1);
    expect(trace.calls[0]).toMatchObject({ rule: 'scaleByJ', engine: 'jax', depth: 1, ran: ['frule'], outcome: 'rule', tangents: [{ slot: 'kwargs.k', shape: [2] }] });
  });

  it('an rrule-only rule is used (its pullback traced and transposed), and an frule-only rule too: no rule-kind-missing on jax-js', () => {
    const { trace } = traced(() => [js(grad((x: JaxArray) => rsq(x, { w: np.array(2) }))(np.array(3))), js(grad((x: JaxArray) => cube(x))(np.array(2)))]);
    expect(trace.calls.map((call) => [call.rule, call.ran, call.outcome])).toEqual([
      ['rsq', ['rrule', 'pullback'], 'rule'],
      ['cubeJ', ['frule'], 'rule'],
    ]);
  });

  it("a call an optOut predicate opts out: 'opted-out'", () => {
    const { result, trace } = traced(() => grad((x: JaxArray) => np.add(clip(x.ref, { mode: 'native' }), clip(x)))(np.array(2)));
    expect(js(result)).toBe(2);
    expect(trace.calls.map((call) => [call.rule, call.ran, call.fallback?.code])).toEqual([
      ['clipJ', ['primal'], 'opted-out'],
      ['clipJ', ['frule'], undefined],
    ]);
  });

  it("plain numbers under grad: 'no-engine-value', no engine owning the call", () => {
    const { trace } = traced(() => js(grad((x: JaxArray) => np.multiply(x, scaleBy(3, { k: 2 }) as number))(np.array(1))));
    expect(trace.calls[0]).toMatchObject({ rule: 'scaleByJ', engine: undefined, depth: 1, ran: ['primal'], fallback: { code: 'no-engine-value' } });
  });

  it("arrays outside any transformation: 'not-differentiating', depth 0", () => {
    const { result, trace } = traced(() => js(scaleBy(np.array(3), { k: 2 })));
    expect(result).toBe(6);
    expect(trace.calls[0]).toMatchObject({ engine: 'jax', depth: 0, ran: ['primal'], fallback: { code: 'not-differentiating' } });
  });

  it("a call inside another rule's frule: 'inside-rule', naming the rule", () => {
    const { result, trace } = traced(() => js(grad((x: JaxArray) => outer(x))(np.array(3))));
    expect(result).toBe(2);
    expect(trace.calls.map((call) => [call.rule, call.ran, call.fallback?.code, call.fallback?.within])).toEqual([
      ['outerJ', ['frule'], undefined, undefined],
      ['scaleByJ', ['primal'], 'inside-rule', "the frule of 'outerJ'"],
    ]);
  });

  it('a gradient of a gradient: the call at depth 2', () => {
    const { result, trace } = traced(() => js(grad(grad((x: JaxArray) => cube(x)))(np.array(2))));
    expect(result).toBe(12);
    expect(trace.calls[0]).toMatchObject({ rule: 'cubeJ', engine: 'jax', depth: 2, outcome: 'rule' });
  });

  it('holds no jax-js value after it returns: the arrays a traced step was handed are all freed', () => {
    const x = np.array([1, 2, 3]);
    const k = np.array(1.5);
    const { result, trace } = traced(() => grad((kk: JaxArray) => np.sum(foo(x.ref, np.array([1, 1, 1]), { c: kk })))(k.ref));
    expect(js(result)).toBe(6);
    expect(trace.calls[0]).toMatchObject({ rule: 'foo', ran: ['frule'], tangents: [{ slot: 'kwargs.c', shape: [] }] });
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace.toJSON());
    // The caller's references are the only ones left: the trace kept none.
    expect([x.refCount, k.refCount]).toEqual([1, 1]);
    x.dispose();
    k.dispose();
  });
});

describe('watchRules under jax-js', () => {
  useJax();
  let stop: () => void = () => {};
  afterEach(() => stop());

  it('warns once per rule and reason while jax-js differentiates; not outside a transformation, nor inside a rule', () => {
    const warnings: RuleFallbackWarning[] = [];
    stop = watchRules({ warn: (w) => warnings.push(w) });
    for (let i = 0; i < 3; i++) {
      js(grad((x: JaxArray) => np.add(np.add(clip(x.ref, { mode: 'native' }), outer(x.ref)), np.multiply(x, scaleBy(3) as number)))(np.array(1)));
      js(clip(np.array(1), { mode: 'native' }));
    }
    expect(warnings.map((w) => [w.rule, w.engine, w.code])).toEqual([
      ['clipJ', 'jax', 'opted-out'],
      ['scaleByJ', undefined, 'no-engine-value'],
    ]);
  });
});
