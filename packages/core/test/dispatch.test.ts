import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  NoTangent,
  Tangent,
  adapterOf,
  defineRule,
  installAdapter,
  installedAdapters,
  kw,
  namespaceOf,
  numberApi,
  optOut,
  rrule,
  ruleCallOf,
  ruleConfig,
  zeroLike,
} from '../src/index';
import type { Adapter, RuleCall } from '../src/index';
import { Box, boxAdapter, boxApi, boxGrad, boxStats, installBox, unboxed } from './support/boxEngine';
import { calls, foo, resetCalls } from './support/seed';

let uninstall: () => void = () => {};
beforeEach(() => {
  uninstall = installBox();
  resetCalls();
  boxStats.invoked = boxStats.recorded = boxStats.optedOut = 0;
});
afterEach(() => uninstall());

describe('dispatch to an installed adapter', () => {
  it('runs the rule under the engine, kwargs tangents included', () => {
    const [y, grads] = boxGrad((a, b, c) => foo(a, b, { c }), new Box(2), new Box(3), new Box(3));
    expect(y).toBe(18);
    expect(grads.map(unboxed)).toEqual([9, 6, 6]);
    expect(calls).toMatchObject({ rrule: 1, pullback: 1, impl: 0 });
    expect(boxStats.recorded).toBe(1);
  });

  it('reaches the engine when only an option is an engine value', () => {
    const [y, [dc]] = boxGrad((c) => foo(2, 3, { c }), new Box(3));
    expect(y).toBe(18);
    expect(unboxed(dc)).toBe(6);
    expect(calls.rrule).toBe(1);
  });

  it('sums the cotangents of a value passed twice', () => {
    const [y, [dx]] = boxGrad((x) => foo(x, x, { c: x }), new Box(2));
    expect(y).toBe(8);
    expect(unboxed(dx)).toBe(12); // d(x³)/dx = 3x²
  });

  it('reaches the engine when an engine value is inside a positional list or record (the adapter decides), and not for a list of numbers', () => {
    const total = defineRule((xs: unknown[]) => xs.length, { name: 'total', rrule: (_cfg, _opts, xs) => [xs.length, () => ({ args: [NoTangent] })] });
    boxGrad((x) => {
      total([1, [2, { deep: [x] }]]);
      total([1, 2, 3]);
      return foo(x, 1);
    }, new Box(2));
    expect(boxStats.invoked).toBe(2); // the call holding x, and foo: not the list of numbers
  });

  it('runs the plain function outside differentiation, without asking an idle engine', () => {
    expect(unboxed(foo(new Box(2), new Box(3), { c: 3 }))).toBe(18);
    expect(foo(2, 3, { c: 3 })).toBe(18);
    expect(boxStats.invoked).toBe(0);
    expect(calls).toMatchObject({ impl: 2, rrule: 0 });
  });

  it('asks the owning adapter when an installed engine cannot tell whether it differentiates', () => {
    const { isDifferentiating: _idle, ...unsure } = boxAdapter;
    const undo = installAdapter({ ...unsure, name: 'unsure', owns: (_value): _value is never => false });
    try {
      expect(unboxed(foo(new Box(2), new Box(3), { c: 3 }))).toBe(18);
      expect(boxStats.invoked).toBe(1);
      expect(foo(2, 3, { c: 3 })).toBe(18);
      expect(boxStats.invoked).toBe(1);
      expect(calls).toMatchObject({ impl: 2, rrule: 0 });
    } finally {
      undo();
    }
  });

  it('hands the adapter the positional arguments, the options and their differentiable leaves', () => {
    const seen: RuleCall[] = [];
    const { isDifferentiating: _idle, ...always } = boxAdapter;
    const spy: Adapter<Box> = { ...always, name: 'spy', invoke: (call) => (seen.push(call), call.primal()) };
    uninstall();
    uninstall = installAdapter(spy);
    const nested = defineRule((x: Box, _o: { prior: { mu: Box; sigma?: number }; mode?: string }) => x, {
      name: 'nested',
      kwargs: z.object({ prior: z.object({ mu: kw.diff(), sigma: kw.diff().default(1) }), mode: z.string().default('a') }),
      rrule: (_cfg, _opts, x) => [x, (dy) => ({ args: [dy], kwargs: new Tangent({ prior: new Tangent({ mu: 0 }) }) })],
    });
    const mu = new Box(1);
    nested(new Box(0), { prior: { mu }, mode: 'b' });
    const call = seen[0]!;
    expect(call.name).toBe('nested');
    expect(call.fn).toBe(nested);
    expect(call.args).toHaveLength(1);
    expect(call.differentiableOptions).toEqual([{ path: ['prior', 'mu'], value: mu }]);
    expect(call.staticOptions).toEqual([{ path: ['mode'], value: 'b' }]);
    const rebuilt = call.rebuild([new Box(5)], [new Box(7)]);
    expect(rebuilt[1]).toEqual({ prior: { mu: new Box(7) }, mode: 'b' });
    expect(call.options).toEqual({ prior: { mu }, mode: 'b' }); // not mutated
    expect(call.optionTangents(new Tangent({ prior: new Tangent({ mu: 4 }) }))).toEqual([4]);
    expect(call.optionTangents(NoTangent)).toEqual([NoTangent]);
    expect(() => call.rebuild([new Box(5)], [])).toThrow(expect.objectContaining({ code: 'wrong-slot-count', rule: 'nested' }));
    expect(call.differentiableOptions).toBe(call.differentiableOptions);
  });

  it('lets an opted-out call fall to the engine', () => {
    const undo = optOut(foo, (_a, _b, options) => (options as { c?: unknown } | undefined)?.c === undefined);
    try {
      boxGrad((a, b) => foo(a, b), new Box(2), new Box(3));
      expect(boxStats.optedOut).toBe(1);
      expect(calls.rrule).toBe(0);
      boxGrad((a, b, c) => foo(a, b, { c }), new Box(2), new Box(3), new Box(1));
      expect(calls.rrule).toBe(1);
    } finally {
      undo();
    }
    boxGrad((a, b) => foo(a, b), new Box(2), new Box(3));
    expect(calls.rrule).toBe(2);
  });
});

describe('namespaces and adapters', () => {
  it('namespaceOf picks numbers, an engine, and refuses a mix or a stranger', () => {
    expect(namespaceOf(1, 2)).toBe(numberApi);
    expect(namespaceOf(1, new Box(2), undefined, true)).toBe(boxApi);
    expect(() => namespaceOf(new Float64Array(2))).toThrow(expect.objectContaining({ code: 'no-namespace' }));
    const other: Adapter<Float64Array> = {
      ...(boxAdapter as unknown as Adapter<Float64Array>),
      name: 'f64',
      owns: (value): value is Float64Array => value instanceof Float64Array,
    };
    const undo = installAdapter(other);
    try {
      expect(() => namespaceOf(new Box(1), new Float64Array(1))).toThrow(expect.objectContaining({ code: 'mixed-engines' }));
      expect(() => boxGrad(() => foo(new Box(1), new Float64Array(1)))).toThrow(expect.objectContaining({ code: 'mixed-engines', rule: 'foo' }));
    } finally {
      undo();
    }
  });

  it('installs idempotently, refuses a second adapter under a taken name, and uninstalls', () => {
    const again = installAdapter(boxAdapter);
    expect(installedAdapters().filter((a) => a.name === 'box')).toHaveLength(1);
    expect(() => installAdapter({ ...boxAdapter })).toThrow(expect.objectContaining({ code: 'adapter-conflict' }));
    again();
    expect(adapterOf(new Box(1))).toBeUndefined();
    // The plain function runs, and its namespaceOf cannot place a Box without the adapter.
    expect(() => foo(new Box(2), new Box(3))).toThrow(expect.objectContaining({ code: 'no-namespace' }));
    expect(calls.impl).toBe(1);
    uninstall = installBox();
    expect(adapterOf(new Box(1))?.name).toBe('box');
  });

  it('gives a rule the engine config by default and the caller’s config when given', () => {
    let seen: unknown;
    const probe = defineRule((x: unknown) => x, { rrule: (cfg, _o, x) => ((seen = cfg.engine), [x, (dy) => ({ args: [dy] })]) });
    rrule(probe, new Box(1));
    expect(seen).toBe('box');
    rrule(probe, 1);
    expect(seen).toBe('number');
    rrule(ruleConfig({ xp: numberApi, engine: 'custom', canReverse: true, canForward: false }), probe, new Box(1));
    expect(seen).toBe('custom');
  });

  it('zeroLike materialises engine zeros through the namespace', () => {
    expect(unboxed(zeroLike(new Box(3)))).toBe(0);
    expect((zeroLike({ x: new Box(1), s: 'a' }) as Tangent).backing).toEqual({ x: new Box(0), s: NoTangent });
  });

  it('ruleCallOf builds the RuleCall of a call on request, and refuses a function with no rule', () => {
    const nested = defineRule((x: number, _o: { p?: { mu?: number; tag?: string }; mode?: string } = {}) => x, {
      name: 'nested',
      kwargs: z.object({ p: z.object({ mu: kw.diff().optional(), tag: z.string().optional() }).optional(), mode: z.string().optional() }),
      rrule: (_cfg, _o, x) => [x, (dy) => ({ args: [dy] })],
    });
    const call = ruleCallOf(nested, 2, { p: { mu: 3, tag: 't' }, mode: 'm' });
    expect(call.name).toBe('nested');
    expect(call.args).toEqual([2]);
    expect(call.differentiableOptions).toEqual([{ path: ['p', 'mu'], value: 3 }]);
    expect(call.staticOptions).toEqual([{ path: ['p', 'tag'], value: 't' }, { path: ['mode'], value: 'm' }]);
    expect(call.rebuild([5], [7])).toEqual([5, { p: { mu: 7, tag: 't' }, mode: 'm' }]);
    expect(call.primal()).toBe(2);
    const tangent = call.optionsTangent([5]) as Tangent;
    expect(call.optionTangents(tangent)).toEqual([5]);
    expect(((tangent.get('p') as Tangent).backing)).toEqual({ mu: 5 });
    expect(() => call.optionsTangent([])).toThrow(expect.objectContaining({ code: 'wrong-slot-count', slot: 'kwargs' }));
    expect(ruleCallOf(foo, 2, 3).differentiableOptions).toEqual([]);
    // A trailing undefined is no options: the rebuilt call has no options slot.
    const bare = ruleCallOf(foo, 2, 3, undefined);
    expect(bare.options).toBeUndefined();
    expect(bare.rebuild([4, 5], [])).toEqual([4, 5]);
    expect(bare.optionsTangent([])).toBe(NoTangent);
    expect(() => ruleCallOf((x: number) => x, 1)).toThrow(expect.objectContaining({ code: 'invalid-rule' }));
  });

  it('guardStatic refuses an engine value in a static option, bare or deep in records and lists, with the rule and slot', () => {
    const tagged = defineRule((x: number, _o: { tag?: unknown; w?: number } = {}) => x, {
      name: 'tagged',
      kwargs: z.object({ tag: z.unknown().optional(), w: kw.diff<number>().default(1) }),
      rrule: (_cfg, _opts, x) => [x, (dy) => ({ args: [dy] })],
    });
    const isBox = (value: unknown) => value instanceof Box;
    for (const tag of [new Box(1), { deep: [1, { box: new Box(1) }] }, [[new Box(1)]]]) {
      expect(() => ruleCallOf(tagged, 1, { tag }).guardStatic(isBox)).toThrow(
        expect.objectContaining({ code: 'differentiable-in-static', rule: 'tagged', slot: 'kwargs.tag' }),
      );
    }
    expect(() => ruleCallOf(tagged, 1, { tag: [new Box(1)] }).guardStatic(isBox, 'Pass a number.')).toThrow(expect.objectContaining({ fix: 'Pass a number.' }));
    // A differentiable option may hold one; static values with none pass; so does a call without options.
    expect(() => ruleCallOf(tagged, 1, { tag: { deep: [1, 'a'] }, w: new Box(2) }).guardStatic(isBox)).not.toThrow();
    expect(() => ruleCallOf(tagged, new Box(1)).guardStatic(isBox)).not.toThrow();
  });
});
