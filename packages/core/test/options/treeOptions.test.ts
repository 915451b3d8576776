import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { NoTangent, Tangent, ZeroTangent, defineRule, frule, isTangent, kw, kwcall, rrule } from '../../src/index';
import type { DifferentiableTree } from '../../src/index';
import { ruleCallOf } from '../../src/adapter';
import { Box, boxGrad, installBox } from '../support/boxEngine';
import { expectRuleError } from '../support/ruleErrors';

/*
 * kw.tree(): a differentiable option that takes a number, an array, or records and lists of
 * them. Each leaf the caller passes is differentiated; the rule's tangent has the value's shape.
 */

type Params = DifferentiableTree;

/** y = x · Σ leaves of params (numbers only), a rule whose tangent for params is built from the value's shape. */
const sumLeaves = (p: unknown): number => (typeof p === 'number' ? p : p instanceof Box ? p.value : Object.values(p as object).reduce((s: number, v) => s + sumLeaves(v), 0));
const onesLike = (p: unknown, dy: number): unknown =>
  typeof p === 'number' || p instanceof Box ? dy : Array.isArray(p) ? new Tangent(p.map((v) => onesLike(v, dy)) as never) : new Tangent(Object.fromEntries(Object.entries(p as object).map(([k, v]) => [k, onesLike(v, dy)])));

type Pullback = (dy: number, x: number, params: unknown) => unknown;
const num = (v: unknown): number => (v instanceof Box ? v.value : (v as number));
const scaledSum = (pullbackKwargs: Pullback = (dy, x, params) => onesLike(params, dy * x)) =>
  defineRule((x: number, { params }: { params?: Params; tol?: number } = {}) => x * sumLeaves(params ?? 0), {
    name: 'scaledSum',
    kwargs: z.object({ params: kw.tree().optional(), tol: z.optional(z.number()) }),
    rrule: (_cfg, { params }, x) => [
      num(x) * sumLeaves(params ?? 0),
      (dy) => ({ args: [num(dy) * sumLeaves(params ?? 0)], kwargs: new Tangent(params === undefined ? {} : { params: pullbackKwargs(num(dy), num(x), params) as never }) }),
    ],
    frule: (_cfg, { args: [dx], kwargs }, { params }, x) => {
      const seen: unknown[] = [];
      const walk = (t: unknown): number => (typeof t === 'number' ? t : isTangent(t) ? t.keys().reduce((s, k) => s + walk(t.get(k as never)), 0) : 0);
      const dp = kwargs.get('params');
      seen.push(dp);
      return [x * sumLeaves(params ?? 0), (typeof dx === 'number' ? dx : 0) * sumLeaves(params ?? 0) + (x as number) * walk(dp)];
    },
  });

describe('kw.tree() options', () => {
  it('takes a number, a record, a list and nested trees, and gives a tangent of the same shape', () => {
    const f = scaledSum();
    expect(f(2, { params: { w: 1, b: [2, 3] } })).toBe(12);
    const [y, pullback] = rrule(kwcall, { params: { w: 1, b: [2, 3] } }, f, 2)!;
    expect(y).toBe(12);
    const [, dkw, , dx] = pullback(1);
    expect(dx).toBe(6);
    const dp = (dkw as Tangent<{ params: { w: number; b: number[] } }>).get('params') as Tangent;
    expect(dp.get('w')).toBe(2);
    const db = dp.get('b') as Tangent;
    expect(Array.isArray(db.backing)).toBe(true);
    expect(db.backing).toEqual([2, 2]);
    // A leaf value works as kw.diff() does.
    const leaf = rrule(kwcall, { params: 3 }, f, 2)![1](1)[1] as Tangent<{ params: number }>;
    expect(leaf.get('params')).toBe(2);
  });

  it('lists every leaf the caller passed as a leaf of the call, with its slot', () => {
    const call = ruleCallOf(scaledSum(), 2, { params: { w: 1, b: [2, { c: 3 }] }, tol: 1 });
    expect(call.leaves.map((leaf) => leaf.slot)).toEqual(['args[0]', 'kwargs.params.w', 'kwargs.params.b[0]', 'kwargs.params.b[1].c']);
    // Rebuilt with new values: lists stay lists, the caller's records are not touched.
    const options = { params: { w: 1, b: [2, { c: 3 }] } };
    const rebuilt = ruleCallOf(scaledSum(), 2, options).rebuild([5, 10, 20, 30]) as [number, { params: { w: number; b: unknown[] } }];
    expect(rebuilt[1].params).toEqual({ w: 10, b: [20, { c: 30 }] });
    expect(Array.isArray(rebuilt[1].params.b)).toBe(true);
    expect(options.params).toEqual({ w: 1, b: [2, { c: 3 }] });
  });

  it('gives the frule a Tangent shaped like the value (lists backed by lists), zero where a leaf does not move', () => {
    const f = scaledSum();
    const [y, dy] = frule([NoTangent, 1, new Tangent({ params: new Tangent({ w: 1, b: new Tangent([1, 1]) }) })], f, 2, { params: { w: 1, b: [2, 3] } })!;
    expect([y, dy]).toEqual([12, 6 + 2 * 3]);
    const [, only] = frule([NoTangent, 0, new Tangent({ params: new Tangent({ b: new Tangent([0, 1]) }) })], f, 2, { params: { w: 1, b: [2, 3] } })!;
    expect(only).toBe(2);
  });

  it('refuses a pullback that leaves a passed leaf out, or gives NoTangent for it', () => {
    const missing = scaledSum((dy, x) => new Tangent({ w: dy * x }));
    expectRuleError(() => rrule(kwcall, { params: { w: 1, b: [2, 3] } }, missing, 2)![1](1), 'missing-tangent', { rule: 'scaledSum', slot: 'kwargs.params.b' });
    const inList = scaledSum((dy, x) => new Tangent({ w: dy * x, b: new Tangent([dy * x]) }));
    expectRuleError(() => rrule(kwcall, { params: { w: 1, b: [2, 3] } }, inList, 2)![1](1), 'missing-tangent', { slot: 'kwargs.params.b[1]' });
    const none = scaledSum((dy, x) => new Tangent({ w: dy * x, b: NoTangent }));
    expectRuleError(() => rrule(kwcall, { params: { w: 1, b: [2, 3] } }, none, 2)![1](1), 'missing-tangent', { slot: 'kwargs.params.b' });
    const whole = scaledSum(() => NoTangent);
    expectRuleError(() => rrule(kwcall, { params: { w: 1 } }, whole, 2)![1](1), 'missing-tangent', { slot: 'kwargs.params' });
    // ZeroTangent is a claim of zero, not a missing derivative.
    const zero = rrule(kwcall, { params: { w: 1, b: [2, 3] } }, scaledSum(() => ZeroTangent), 2)![1](1)[1] as Tangent;
    expect(zero.get('params' as never)).toBe(ZeroTangent);
  });

  it('refuses a tangent for a field the value does not hold, and a tangent of the wrong kind', () => {
    const extra = scaledSum((dy, x, params) => new Tangent({ ...(onesLike(params, dy * x) as Tangent).backing, z: 1 }));
    expectRuleError(() => rrule(kwcall, { params: { w: 1 } }, extra, 2)![1](1), 'unknown-tangent-field', { slot: 'kwargs.params.z' });
    const flat = scaledSum((dy) => dy);
    expectRuleError(() => rrule(kwcall, { params: { w: 1 } }, flat, 2)![1](1), 'tangent-mismatch', { slot: 'kwargs.params' });
    const stringLeaf = scaledSum(() => new Tangent({ w: 'oops' as never }));
    expectRuleError(() => rrule(kwcall, { params: { w: 1 } }, stringLeaf, 2)![1](1), 'tangent-mismatch', { slot: 'kwargs.params.w' });
  });

  it('refuses values that are not trees of differentiable leaves, with the slot inside the value', () => {
    const f = scaledSum();
    expectRuleError(() => f(2, { params: { w: 1, name: 'a' } as never }), 'invalid-option', { slot: 'kwargs.params' });
    expectRuleError(() => f(2, { params: JSON.parse('{"w": 1, "__proto__": {"polluted": 1}}') as never }), 'forbidden-option-key', { slot: 'kwargs.params.__proto__' });
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    const hidden = { w: 1 };
    Object.defineProperty(hidden, 'b', { value: 2, enumerable: false });
    expectRuleError(() => f(2, { params: hidden }), 'invalid-option', { slot: 'kwargs.params' });
    const symbol = { w: 1, [Symbol('b')]: 2 };
    expectRuleError(() => f(2, { params: symbol }), 'invalid-option', { slot: 'kwargs.params' });
    // eslint-disable-next-line no-sparse-arrays -- a hole in a list of parameters is refused
    expectRuleError(() => f(2, { params: { b: [1, , 3] as never } }), 'invalid-option', { slot: 'kwargs.params.b' });
    const cyclic: Record<string, unknown> = { w: 1 };
    cyclic.self = cyclic;
    expectRuleError(() => f(2, { params: cyclic as never }), 'unsupported', { slot: 'kwargs.params.self' });
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = { d: deep };
    expectRuleError(() => f(2, { params: deep as never }), 'unsearchable', { rule: 'scaledSum' });
    expectRuleError(() => f(2, { params: new Map([['w', 1]]) as never }), 'invalid-option', { slot: 'kwargs.params' });
  });

  it('reads the value once: a getter runs once, a later change to the caller’s record does not reach the pullback', () => {
    let reads = 0;
    const params = {
      get w() {
        reads++;
        return 1;
      },
      b: [2, 3],
    };
    const [, pullback] = rrule(kwcall, { params }, scaledSum(), 2)!;
    expect(reads).toBe(1);
    const mutable = { w: 1, b: [2, 3] };
    const [y, later] = rrule(kwcall, { params: mutable }, scaledSum(), 2)!;
    mutable.b.push(10);
    mutable.w = 100;
    expect(y).toBe(12);
    expect(((later(1)[1] as Tangent).get('params' as never) as Tangent).get('b' as never)).toEqual(new Tangent([2, 2]));
    void pullback;
  });

  it('a leaf named like an Object.prototype member is a leaf like any other', () => {
    const missing = scaledSum((dy, x) => new Tangent({ w: dy * x }));
    expectRuleError(() => rrule(kwcall, { params: { w: 1, toString: 2 } }, missing, 2)![1](1), 'missing-tangent', { slot: 'kwargs.params.toString' });
    const dp = (rrule(kwcall, { params: { toString: 2, valueOf: 3 } }, scaledSum(), 2)![1](1)[1] as Tangent).get('params' as never) as Tangent;
    expect(dp.backing).toEqual({ toString: 2, valueOf: 2 });
  });

  it('an empty record or list is owed no tangent', () => {
    const [, pullback] = rrule(kwcall, { params: { b: [] } }, scaledSum(() => ZeroTangent), 2)!;
    expect(pullback(1)[3]).toBe(0);
    expect(pullback(1)[1]).toBe(NoTangent);
  });

  describe('through an engine', () => {
    let uninstall: () => void;
    beforeAll(() => {
      uninstall = installBox();
    });
    afterAll(() => uninstall());

    it('differentiates each engine value inside the tree, and leaves plain numbers as constants of the engine', () => {
      const w = new Box(1);
      const b0 = new Box(2);
      const f = scaledSum((dy, x, params) => onesLike(params, dy * x));
      const [value, grads] = boxGrad((x: Box, p: Box, q: Box) => f(x as never, { params: { w: p, b: [q, 3] } }) as unknown as Box, new Box(2), w, b0);
      expect(value).toBe(12);
      expect(grads).toEqual([6, 2, 2]);
    });
  });
});
