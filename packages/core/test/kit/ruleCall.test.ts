import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, add, defineRule, installAdapter, isTangent, kw, numberConfig, optOut, ruleRuns, scale, unthunk } from '../../src/index';
import type { Adapter } from '../../src/index';
import { ruleCallOf } from '../../src/adapter';
import type { RuleCall } from '../../src/adapter';
import { Box, boxAdapter, installBox } from '../support/boxEngine';
import { foo } from '../support/seed';

let uninstall: () => void = () => {};
beforeEach(() => {
  uninstall = installBox();
});
afterEach(() => uninstall());

/** A rule with a nested differentiable option and static ones, counting how often its options were checked. */
const checks = { count: 0 };
const nested = defineRule((x: number, _o: { p?: { mu?: number; tag?: string }; mode?: string } = {}) => x, {
  name: 'nested',
  kwargs: z.object({
    p: z.object({ mu: kw.diff<number>().optional(), tag: z.string().optional() }).optional(),
    mode: z.string().refine(() => (checks.count++, true)).optional(),
  }),
  rrule: (_cfg, opts, x) => [x * (opts.p?.mu ?? 1), (dy) => ({ args: [dy * (opts.p?.mu ?? 1)], kwargs: new Tangent<typeof opts>({ p: new Tangent({ mu: dy * x }) }) })],
  frule: (_cfg, { args: [dx], kwargs }, opts, x) => {
    const mu = opts.p?.mu ?? 1;
    const dp = kwargs.get('p');
    return [x * mu, add(scale(mu, dx), scale(x, isTangent(dp) ? dp.get('mu') : ZeroTangent))];
  },
});

describe('RuleCall: a call in leaves', () => {
  it('lists every positional argument, then the passed differentiable option leaves, with their slots', () => {
    const call = ruleCallOf(nested, 2, { mode: 'm', p: { tag: 't', mu: 3 } });
    expect(call.leaves.map(({ value, slot, arg, path, isStatic }) => ({ value, slot, arg, path, isStatic }))).toEqual([
      { value: 2, slot: 'args[0]', arg: 0, path: [], isStatic: false },
      { value: 3, slot: 'kwargs.p.mu', arg: undefined, path: ['p', 'mu'], isStatic: false },
    ]);
    expect(call.leaves).toBe(call.leaves);
    expect(call.staticOptions).toEqual([{ path: ['p', 'tag'], value: 't' }, { path: ['mode'], value: 'm' }]);
    expect(call.rebuild([5, 7])).toEqual([5, { mode: 'm', p: { tag: 't', mu: 7 } }]);
    expect(call.options).toEqual({ mode: 'm', p: { tag: 't', mu: 3 } }); // not mutated
    expect(call.primal()).toBe(2);
    expect(() => call.rebuild([5])).toThrow(expect.objectContaining({ code: 'wrong-slot-count', rule: 'nested', slot: 'leaves' }));
    expect(ruleCallOf(foo, 2, 3).leaves.map((leaf) => leaf.slot)).toEqual(['args[0]', 'args[1]']);
    // A trailing undefined is no options: the rebuilt call has no options slot.
    const bare = ruleCallOf(foo, 2, 3, undefined);
    expect(bare.options).toBeUndefined();
    expect(bare.rebuild([4, 5])).toEqual([4, 5]);
    expect(() => ruleCallOf((x: number) => x, 1)).toThrow(expect.objectContaining({ code: 'invalid-rule' }));
  });

  it('runs the rrule at new leaf values, and gives one cotangent per leaf — checking the options once', () => {
    checks.count = 0;
    const call = ruleCallOf(nested, 2, { p: { mu: 3 }, mode: 'm' });
    expect(checks.count).toBe(1);
    const [y, pullback] = call.rrule(numberConfig, [4, 5])!;
    expect(y).toBe(20);
    expect(pullback(1)).toEqual([5, 4]);
    expect(checks.count).toBe(1); // parsed once, by the call
    const [y0] = call.rrule(numberConfig)!; // the leaves' own values
    expect(y0).toBe(6);
  });

  it('runs the frule with one tangent per leaf', () => {
    const call = ruleCallOf(nested, 2, { p: { mu: 3 } });
    expect(call.frule(numberConfig, [1, 0])).toEqual([6, 3]);
    expect(call.frule(numberConfig, [0, 1], [4, 5])).toEqual([20, 4]);
    expect(call.frule(numberConfig, [ZeroTangent, ZeroTangent])).toEqual([6, ZeroTangent]);
    expect(() => call.frule(numberConfig, [1])).toThrow(expect.objectContaining({ code: 'wrong-slot-count', slot: 'leaves' }));
  });

  it('gives NoTangent for a static argument, and undefined for an opted-out call or a missing direction', () => {
    const take = defineRule((x: number, n: number) => x * n, { name: 'take', staticArgs: [1], rrule: (_cfg, _o, x, n) => [x * n, (dy) => ({ args: [dy * n, NoTangent] })] });
    const call = ruleCallOf(take, 2, 3);
    expect(call.leaves.map((leaf) => leaf.isStatic)).toEqual([false, true]);
    expect(call.rrule(numberConfig)![1](1)).toEqual([3, NoTangent]);
    expect(call.frule(numberConfig, [1, NoTangent])).toBeUndefined(); // no frule
    const undo = optOut(take, (_x, n) => n === 3);
    try {
      expect(call.rrule(numberConfig)).toBeUndefined();
    } finally {
      undo();
    }
  });

  it('redispatches the rule-aware function with new leaf values, keeping `this`', () => {
    const holder = {
      k: 10,
      scaled: defineRule(function (this: { k: number }, x: number | Box) {
        return this.k * (x instanceof Box ? x.value : x);
      }, { name: 'scaled', rrule: (_cfg, _o, x) => [x as number, (dy) => ({ args: [dy] })] }),
    };
    const seen: RuleCall[] = [];
    const { isDifferentiating: _idle, ...always } = boxAdapter;
    const spy: Adapter<Box> = { ...always, name: 'spy', invoke: (call) => (seen.push(call), call.primal()) };
    uninstall();
    uninstall = installAdapter(spy);
    expect(holder.scaled(new Box(2))).toBe(20);
    uninstall();
    uninstall = installBox();
    expect(seen[0]!.redispatch([3])).toBe(30);
  });

  it('refuses a value the engine differentiates in a static option or a static argument, bare or deep, with the rule and slot', () => {
    const tagged = defineRule((x: number, _o: { tag?: unknown; w?: number } = {}) => x, {
      name: 'tagged',
      kwargs: z.object({ tag: z.unknown().optional(), w: kw.diff<number>().default(1) }),
      rrule: (_cfg, _opts, x) => [x, (dy) => ({ args: [dy], kwargs: new Tangent({ w: ZeroTangent }) })],
    });
    const isBox = (value: unknown) => value instanceof Box;
    for (const tag of [new Box(1), { deep: [1, { box: new Box(1) }] }, [[new Box(1)]], new Map([['k', new Box(1)]])]) {
      expect(() => ruleCallOf(tagged, 1, { tag }).guardStatic(isBox)).toThrow(expect.objectContaining({ code: 'differentiable-in-static', rule: 'tagged', slot: 'kwargs.tag' }));
    }
    expect(() => ruleCallOf(tagged, 1, { tag: [new Box(1)] }).guardStatic(isBox, 'Pass a number.')).toThrow(expect.objectContaining({ fix: 'Pass a number.' }));
    // A differentiable option may hold one; static values with none pass; so does a call without options.
    expect(() => ruleCallOf(tagged, 1, { tag: { deep: [1, 'a'] }, w: new Box(2) as never }).guardStatic(isBox)).not.toThrow();
    expect(() => ruleCallOf(tagged, new Box(1) as never).guardStatic(isBox)).not.toThrow();
  });

  it('the rule runs it reports are counted as ruleRuns', () => {
    const before = ruleRuns(nested)!;
    ruleCallOf(nested, 2, { p: { mu: 3 } }).rrule(numberConfig)![1](1);
    const after = ruleRuns(nested)!;
    expect([after.rrule - before.rrule, after.pullback - before.pullback]).toEqual([1, 1]);
  });

  describe('a record or a list as a positional argument', () => {
    type Params = { w: number; b: number; act: string };
    const predict = defineRule((p: Params, x: [number, number]) => p.w * x[0] + p.b * x[1], {
      name: 'predict',
      rrule: (_cfg, _o, p, x) => [
        p.w * x[0] + p.b * x[1],
        (dy) => ({ args: [new Tangent<Params>({ w: dy * x[0], b: dy * x[1], act: NoTangent }), new Tangent<[number, number]>([dy * p.w, dy * p.b])] }),
      ],
      frule: (_cfg, { args: [dp, dx] }, _o, p, x) => {
        const read = (t: unknown, key: string | number): number => (isTangent(t) ? (t.get(key as never) as unknown as number) : 0);
        const field = (t: unknown, key: string | number): number => (typeof read(t, key) === 'number' ? read(t, key) : 0);
        return [p.w * x[0] + p.b * x[1], field(dp, 'w') * x[0] + field(dp, 'b') * x[1] + p.w * field(dx, 0) + p.b * field(dx, 1)];
      },
    });

    it('spreads each into its leaves, in key order and by index, with their slots and paths', () => {
      const call = ruleCallOf(predict, { w: 2, b: 3, act: 'relu' }, [5, 7]);
      expect(call.leaves.map(({ value, slot, arg, path }) => ({ value, slot, arg, path }))).toEqual([
        { value: 2, slot: 'args[0].w', arg: 0, path: ['w'] },
        { value: 3, slot: 'args[0].b', arg: 0, path: ['b'] },
        { value: 'relu', slot: 'args[0].act', arg: 0, path: ['act'] },
        { value: 5, slot: 'args[1][0]', arg: 1, path: [0] },
        { value: 7, slot: 'args[1][1]', arg: 1, path: [1] },
      ]);
    });

    it('rebuilds the records from leaf values (copies, the originals untouched; the same object when nothing changed)', () => {
      const params = { w: 2, b: 3, act: 'relu' };
      const call = ruleCallOf(predict, params, [5, 7]);
      expect(call.rebuild([20, 30, 'relu', 5, 7])).toEqual([{ w: 20, b: 30, act: 'relu' }, [5, 7]]);
      expect(params).toEqual({ w: 2, b: 3, act: 'relu' });
      expect(call.rebuild(call.leaves.map((leaf) => leaf.value))[0]).toBe(params);
      expect(call.redispatch([1, 1, 'relu', 5, 7])).toBe(12);
    });

    it('gives one cotangent per leaf from the rule’s Tangent, and one tangent per leaf to its frule', () => {
      const call = ruleCallOf(predict, { w: 2, b: 3, act: 'relu' }, [5, 7]);
      const [y, pullback] = call.rrule(numberConfig)!;
      expect(y).toBe(31);
      expect(pullback(1)).toEqual([5, 7, NoTangent, 2, 3]);
      expect(call.frule(numberConfig, [1, 0, NoTangent, 0, 1])).toEqual([31, 5 + 3]);
      expect(call.frule(numberConfig, [0, 0, NoTangent, 0, 0])![1]).toBe(0);
    });

    it('a field the Tangent leaves out is missing-tangent when read, never a silent zero; NoTangent for a number is refused', () => {
      const lazy = defineRule((p: { w: number; b: number }) => p.w + p.b, {
        name: 'lazy',
        rrule: (_cfg, _o, p) => [p.w + p.b, (dy) => ({ args: [new Tangent<{ w: number; b: number }>({ w: dy })] })],
      });
      const cotangents = ruleCallOf(lazy, { w: 1, b: 2 }).rrule(numberConfig)![1](1);
      expect(unthunk(cotangents[0])).toBe(1);
      expect(() => unthunk(cotangents[1])).toThrow(expect.objectContaining({ code: 'missing-tangent', rule: 'lazy', slot: 'args[0].b' }));
      const none = defineRule((p: { w: number; b: number }) => p.w + p.b, {
        name: 'none',
        rrule: (_cfg, _o, p) => [p.w + p.b, (dy) => ({ args: [new Tangent<{ w: number; b: number }>({ w: dy, b: NoTangent as never })] })],
      });
      expect(() => ruleCallOf(none, { w: 1, b: 2 }).rrule(numberConfig)![1](1)).toThrow(expect.objectContaining({ code: 'missing-tangent', rule: 'none', slot: 'args[0].b' }));
      // A zero for the whole record: a zero per leaf.
      const flat = defineRule((p: { w: number; b: number }) => 0 * p.w, { name: 'flat', rrule: (_cfg, _o, p) => [0 * p.w, () => ({ args: [ZeroTangent] })] });
      expect(ruleCallOf(flat, { w: 1, b: 2 }).rrule(numberConfig)![1](1)).toEqual([ZeroTangent, ZeroTangent]);
    });

    it('keeps a record argument the rule declares static one leaf, and an empty record none', () => {
      const tagged = defineRule((x: number, _meta: { id: number }) => x, { name: 'tagged-arg', staticArgs: [1], rrule: (_cfg, _o, x) => [x, (dy) => ({ args: [dy, NoTangent] })] });
      const call = ruleCallOf(tagged, 2, { id: 7 });
      expect(call.leaves.map((leaf) => [leaf.slot, leaf.isStatic])).toEqual([['args[0]', false], ['args[1]', true]]);
      expect(call.rrule(numberConfig)![1](1)).toEqual([1, NoTangent]);
      expect(ruleCallOf(predict, {} as never, [5, 7]).leaves.map((leaf) => leaf.slot)).toEqual(['args[1][0]', 'args[1][1]']);
    });
  });
});

