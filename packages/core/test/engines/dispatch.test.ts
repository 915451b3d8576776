import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NoTangent,
  adapterOf,
  defineRule,
  installAdapter,
  installedAdapters,
  namespaceOf,
  numberApi,
  optOut,
  rrule,
  ruleConfig,
  zeroLike,
} from '../../src/index';
import type { Adapter, Tangent } from '../../src/index';
import { Box, boxAdapter, boxApi, boxGrad, boxStats, installBox, unboxed } from '../support/boxEngine';
import { calls, foo, resetCalls } from '../support/seed';

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


});
