import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  NoTangent,
  Tangent,
  ZeroTangent,
  adapterOf,
  defineRule,
  escapeText,
  frule,
  installAdapter,
  kw,
  kwcall,
  numberApi,
  rrule,
  ruleConfig,
  thunk,
  unthunk,
} from '../src/index';
import type { Adapter, ArrayApi } from '../src/index';
import { findValue, ruleCallOf } from '../src/adapter';
import { Box, boxGrad, installBox, unboxed } from './support/boxEngine';
import { calls, foo, resetCalls } from './support/seed';
import { expectRuleError } from './support/ruleErrors';

/*
 * The attacks of "never silently wrong", each as it would be written against the library: a
 * derivative is right, or a RuleError with a code, the rule and the slot.
 */


/** A one-dimensional engine for shape checks: a `Vec` is a list of numbers; only `shape` is needed here. */
class Vec {
  constructor(readonly shape: readonly number[]) {}
}
declare module '../src/engines/arrayTypes' {
  interface ArrayTypes {
    vec: Vec;
  }
}
const vecApi = { ...numberApi, name: 'vec', shape: (x: Vec | number) => (x instanceof Vec ? x.shape : []) } as unknown as ArrayApi<Vec>;
const vecAdapter: Adapter<Vec> = {
  name: 'vec',
  xp: vecApi,
  config: ruleConfig({ xp: vecApi, engine: 'vec', canReverse: true, canForward: true }),
  owns: (value): value is Vec => value instanceof Vec,
  isDifferentiating: () => false,
  invoke: (call) => call.primal(),
};

let uninstall: () => void = () => {};
beforeEach(() => {
  uninstall = installBox();
  resetCalls();
});
afterEach(() => uninstall());

describe('options are checked the same way on every path', () => {
  it('a misspelt option is unknown-option on plain numbers, with an idle engine installed, and under an engine', () => {
    expectRuleError(() => foo(2, 3, { cutof: 2 } as never), 'unknown-option', { rule: 'foo', slot: 'kwargs.cutof' });
    expectRuleError(() => foo(new Box(2), new Box(3), { cutof: 2 } as never), 'unknown-option', { slot: 'kwargs.cutof' });
    expectRuleError(() => boxGrad((a) => foo(a, 3, { cutof: 2 } as never), new Box(2)), 'unknown-option', { slot: 'kwargs.cutof' });
    uninstall();
    expectRuleError(() => foo(2, 3, { cutof: 2 } as never), 'unknown-option', { slot: 'kwargs.cutof' }); // no adapter at all
    expect(calls.impl).toBe(0);
  });

  it('a value the schema rejects, or a required option left out, is refused before the plain function runs', () => {
    const need = defineRule((x: number, { k }: { k: number }) => k * x, {
      name: 'need',
      kwargs: z.object({ k: z.number() }),
      rrule: (_cfg, { k }, x) => [k * x, (dy) => ({ args: [k * dy] })],
    });
    expectRuleError(() => need(2, { k: 'three' as never }), 'invalid-option', { rule: 'need', slot: 'kwargs.k' });
    expectRuleError(() => (need as (x: number) => number)(2), 'invalid-option', { rule: 'need' });
    expect(need(2, { k: 3 })).toBe(6);
  });

  it('a non-enumerable unknown key and a forbidden key are refused too; a symbol key is no option, and nothing sees it', () => {
    const sym = Symbol('c');
    let seen: unknown = 'not called';
    const peek = defineRule((x: number, options: { c?: number } = {}) => ((seen = (options as Record<symbol, unknown>)[sym]), x), {
      name: 'peek',
      kwargs: z.object({ c: z.number().optional() }),
      rrule: (_cfg, _opts, x) => [x, (dy) => ({ args: [dy] })],
    });
    expect(peek(2, { [sym]: 1 } as never)).toBe(2);
    expect(seen).toBeUndefined();
    const hidden = Object.defineProperty({}, 'cutof', { value: 2, enumerable: false });
    expectRuleError(() => foo(2, 3, hidden as never), 'unknown-option', { slot: 'kwargs.cutof' });
    expectRuleError(() => foo(2, 3, JSON.parse('{"__proto__": {"polluted": 1}}') as never), 'forbidden-option-key');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a getter is read once, and the plain function and the rule see that one value', () => {
    let reads = 0;
    const options = {
      get c() {
        reads++;
        return reads; // a different value at every read
      },
    };
    expect(foo(2, 3, options)).toBe(6); // c read once: 1
    expect(reads).toBe(1);
    reads = 0;
    const [y, [da]] = boxGrad((a) => foo(a, 3, options), new Box(2));
    expect(reads).toBe(1);
    expect([y, unboxed(da)]).toEqual([6, 3]); // the rule saw c = 1, as the primal did
  });

  it('a non-enumerable own option is seen by the plain function and by the rule alike', () => {
    const options = Object.defineProperty({}, 'c', { value: 5, enumerable: false }) as { c: number };
    expect(foo(2, 3, options)).toBe(30);
    const [y, [da]] = boxGrad((a) => foo(a, 3, options), new Box(2));
    expect([y, unboxed(da)]).toEqual([30, 15]);
    const [, pullback] = rrule(foo, 2, 3, options)!;
    expect((pullback(1)[3] as Tangent).get('c')).toBe(6);
  });

  it('an engine value in a static z.number() option is differentiable-in-static, naming the engine, not the value’s class', () => {
    const spow = defineRule((x: number, { p }: { p: number }) => x ** p, {
      name: 'spow',
      kwargs: z.object({ p: z.number() }),
      rrule: (_cfg, { p }, x) => [x ** p, (dy) => ({ args: [dy * p * x ** (p - 1)] })],
    });
    const error = expectRuleError(() => spow(2, { p: new Box(3) as never }), 'differentiable-in-static', { rule: 'spow', slot: 'kwargs.p' });
    expect(error.message).toContain("engine 'box'");
    expectRuleError(() => boxGrad((x) => spow(2, { p: x as never }) as never, new Box(3)), 'differentiable-in-static', { slot: 'kwargs.p' });
  });
});

describe('NoTangent never stands for a derivative', () => {
  const pair = (dx: (dy: number) => unknown, kwargs?: (dy: number) => unknown) =>
    defineRule((x: number, y: number, { c = 1 }: { c?: number } = {}) => c * x * y, {
      name: 'pair',
      kwargs: z.object({ c: kw.diff<number>().default(1) }),
      rrule: (_cfg, { c }, x, y) => [c * x * y, (dy) => ({ args: [c * y * dy, dx(dy) as never], kwargs: (kwargs?.(dy) ?? new Tangent({ c: x * y * dy })) as never })],
    });

  it('NoTangent, or a thunk of it, for a number argument is missing-tangent (the thunk when evaluated)', () => {
    expectRuleError(() => rrule(pair(() => NoTangent), 2, 3)![1](1), 'missing-tangent', { rule: 'pair', slot: 'args[1]' });
    const slots = rrule(pair(() => thunk(() => NoTangent)), 2, 3)![1](1);
    expectRuleError(() => unthunk(slots[2]), 'missing-tangent', { slot: 'args[1]' });
    expect(rrule(pair(() => ZeroTangent), 2, 3)![1](1)[2]).toBe(ZeroTangent); // an explicit zero stays a claim of zero
    expect(unthunk(rrule(pair((dy) => thunk(() => 2 * dy)), 2, 3)![1](1)[2])).toBe(2);
  });

  it('NoTangent, or a thunk of it, for a passed kw.diff() option is missing-tangent', () => {
    expectRuleError(() => rrule(pair(() => 1, () => new Tangent({ c: NoTangent })), 2, 3, { c: 2 })![1](1), 'missing-tangent', { slot: 'kwargs.c' });
    const slots = rrule(pair(() => 1, () => new Tangent({ c: thunk(() => NoTangent) })), 2, 3, { c: 2 })![1](1);
    expectRuleError(() => unthunk((slots[3] as Tangent).get('c')), 'missing-tangent', { slot: 'kwargs.c' });
  });

  it('under an engine, the same rule is refused instead of giving a zero gradient', () => {
    expectRuleError(() => boxGrad((x, y) => pair(() => NoTangent)(x as never, y as never) as never, new Box(2), new Box(3)), 'missing-tangent', { slot: 'args[1]' });
  });

  it('an argument declared in staticArgs takes NoTangent, and nothing else', () => {
    const take = (slot: unknown) =>
      defineRule((x: number, n: number) => x * n, {
        name: 'take',
        staticArgs: [1],
        rrule: (_cfg, _opts, x, n) => [x * n, (dy) => ({ args: [n * dy, slot as never] })],
      });
    expect(rrule(take(NoTangent), 2, 3)![1](1)).toEqual([NoTangent, 3, NoTangent]);
    expectRuleError(() => rrule(take(ZeroTangent), 2, 3)![1](1), 'tangent-for-static', { rule: 'take', slot: 'args[1]' });
    expectRuleError(() => rrule(take(2), 2, 3)![1](1), 'tangent-for-static', { slot: 'args[1]' });
    // A zero seed gives NoTangent there too, and the engine's value in that slot is refused.
    expect(rrule(take(NoTangent), 2, 3)![1](ZeroTangent)).toEqual([NoTangent, ZeroTangent, NoTangent]);
    expectRuleError(() => boxGrad((x, n) => take(NoTangent)(x as never, n as never) as never, new Box(2), new Box(3)), 'differentiable-in-static', { slot: 'args[1]' });
    expect(ruleCallOf(take(NoTangent), 2, 3).leaves.map((leaf) => leaf.isStatic)).toEqual([false, true]);
  });

  it('staticArgs must be distinct indices', () => {
    for (const staticArgs of [[-1], [1.5], [1, 1], 'x']) {
      expectRuleError(() => defineRule((x: number) => x, { name: 'bad', staticArgs: staticArgs as never, rrule: (_c, _o, x) => [x, (dy) => ({ args: [dy] })] }), 'invalid-rule', { slot: 'staticArgs' });
    }
  });

  it('an frule giving NoTangent as ẏ while an input tangent moves is missing-tangent; with every tangent zero it is allowed', () => {
    const flat = defineRule((x: number) => x, { name: 'flat', frule: (_cfg, _t, _o, x) => [x, NoTangent] });
    expectRuleError(() => frule([NoTangent, 1], flat, 2), 'missing-tangent', { rule: 'flat', slot: 'output' });
    expect(frule([NoTangent, ZeroTangent], flat, 2)).toEqual([2, NoTangent]);
    const lazy = defineRule((x: number) => x, { name: 'lazy', frule: (_cfg, _t, _o, x) => [x, thunk(() => NoTangent)] });
    const [, dy] = frule([NoTangent, 1], lazy, 2)!;
    expectRuleError(() => unthunk(dy), 'missing-tangent', { slot: 'output' });
  });
});

describe('a cotangent is never broadcast up', () => {
  let undoVec: () => void = () => {};
  beforeEach(() => {
    undoVec = installAdapter(vecAdapter);
  });
  afterEach(() => undoVec());

  const sumRule = (dx: unknown, dc: unknown) =>
    defineRule((x: Vec, _o: { c?: Vec | number } = {}) => x, {
      name: 'spread',
      kwargs: z.object({ c: kw.diff().optional() }),
      rrule: (_cfg, _opts, x) => [x, () => ({ args: [dx as never], kwargs: new Tangent({ c: dc as never }) })],
    });

  it('a scalar, a [1] or a number cotangent for a [3] argument or option is wrong-shape', () => {
    const x3 = new Vec([3]);
    for (const small of [new Vec([]), new Vec([1]), 6]) {
      expectRuleError(() => rrule(sumRule(small, new Vec([3])), x3, { c: new Vec([3]) })![1](new Vec([3])), 'wrong-shape', { rule: 'spread', slot: 'args[0]' });
      expectRuleError(() => rrule(sumRule(new Vec([3]), small), x3, { c: new Vec([3]) })![1](new Vec([3])), 'wrong-shape', { slot: 'kwargs.c' });
    }
  });

  it('a cotangent that sums down to its value’s shape (the value was broadcast) passes, and a thunk is checked when evaluated', () => {
    expect(() => rrule(sumRule(new Vec([2, 3]), new Vec([2, 3])), new Vec([3]), { c: new Vec([1]) })![1](new Vec([2, 3]))).not.toThrow();
    expect(() => rrule(sumRule(new Vec([3]), new Vec([5, 3])), new Vec([3]), { c: 2 })![1](new Vec([3]))).not.toThrow();
    const slots = rrule(sumRule(thunk(() => new Vec([])), new Vec([3])), new Vec([3]), { c: new Vec([3]) })![1](new Vec([3]));
    expectRuleError(() => unthunk(slots[1]), 'wrong-shape', { slot: 'args[0]' });
  });
});

describe('engine values hidden in containers are searched, or refused', () => {
  class Holder {
    readonly #secret = 1;
    constructor(readonly w: unknown) {}
    get secret() {
      return this.#secret;
    }
  }
  const deep = (x: unknown, n: number): unknown => (n === 0 ? x : { inner: deep(x, n - 1) });

  it('findValue looks into lists, records, class instances, Maps (keys and values), Sets, symbol and non-enumerable keys', () => {
    const isBox = (v: unknown) => v instanceof Box;
    const b = new Box(1);
    const sym = Symbol('s');
    const cases: [unknown, string][] = [
      [b, ''],
      [[1, [2, b]], '[1][1]'],
      [{ a: { b } }, '.a.b'],
      [new Holder(b), '.w'],
      [new Map([['w', b]]), '<Map value 0>'],
      [new Map([[b, 'w']]), '<Map key 0>'],
      [new Set([1, b]), '<Set element 1>'],
      [{ [sym]: b }, '[Symbol(s)]'],
      [Object.defineProperty({}, 'h', { value: b, enumerable: false }), '.h'],
      [deep(b, 60), '.inner'.repeat(60)],
    ];
    for (const [value, where] of cases) expect(findValue(value, isBox)?.where, where).toBe(where);
    for (const plain of [[1, 2], { a: 'x' }, new Map([['k', 1]]), new Float32Array(3), new Date(0), () => b]) expect(findValue(plain, isBox)).toBeUndefined();
    const cycle: Record<string, unknown> = { n: 1 };
    cycle.self = cycle;
    expect(findValue(cycle, isBox)).toBeUndefined(); // a cycle is searched once, not refused
  });

  it('what cannot be searched to the end is unsearchable, naming the slot', () => {
    const isBox = (v: unknown) => v instanceof Box;
    // A value found past a block is still found; with none found, the block is the error.
    expect(findValue([new WeakMap(), { b: new Box(1) }], isBox)?.where).toBe('[1].b');
    for (const sealed of [new WeakMap(), new WeakSet(), Promise.resolve(1), deep(1, 70)]) {
      expectRuleError(() => findValue({ k: sealed }, isBox, { rule: 'r', slot: 'kwargs.mode' }), 'unsearchable', { rule: 'r', slot: 'kwargs.mode' });
    }
  });

  it('under an engine, an engine value in a Map, a Set, a class instance or deep records of a static option is differentiable-in-static', () => {
    const tagged = defineRule((x: number, _o: { mode?: unknown } = {}) => 2 * x, {
      name: 'tagged',
      kwargs: z.object({ mode: z.any().optional() }),
      rrule: (_cfg, _opts, x) => [2 * x, (dy) => ({ args: [2 * dy] })],
    });
    const holders: ((x: Box) => unknown)[] = [(x) => new Map([['w', x]]), (x) => new Set([x]), (x) => new Holder(x), (x) => deep(x, 40)];
    for (const hold of holders) {
      expectRuleError(() => boxGrad((x, w) => tagged(x as never, { mode: hold(w) }) as never, new Box(1), new Box(2)), 'differentiable-in-static', { rule: 'tagged', slot: 'kwargs.mode' });
      // The hidden value alone still reaches the engine's adapter, which refuses it.
      expectRuleError(() => boxGrad((w) => tagged(1, { mode: hold(w) }) as never, new Box(2)), 'differentiable-in-static', { slot: 'kwargs.mode' });
    }
    expectRuleError(() => boxGrad((x) => tagged(x as never, { mode: new WeakMap() }) as never, new Box(1)), 'unsearchable', { slot: 'kwargs.mode' });
    expect(adapterOf(new Box(1))?.name).toBe('box');
  });
});

describe('user strings in errors are escaped', () => {
  it('an option key with control characters reaches neither message nor slot raw', () => {
    const key = '\u001b[2J\nERROR forged line\u202e';
    const error = expectRuleError(() => foo(2, 3, { [key]: 1 } as never), 'unknown-option');
    for (const text of [error.message, error.slot!]) {
      // eslint-disable-next-line no-control-regex -- no control character may reach the text
      expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
      expect(text).toContain('\\u001b[2J\\u000aERROR forged line\\u202e');
    }
    expect(escapeText('tab\there')).toBe('tab\\u0009here');
  });

  it('a rule name with control characters is escaped in rule and message', () => {
    const evil = defineRule((x: number) => x, { name: 'x\r\ny', rrule: (_c, _o, x) => [x, () => ({ args: [NoTangent] })] });
    const error = expectRuleError(() => rrule(evil, 1)![1](1), 'missing-tangent');
    expect(error.rule).toBe('x\\u000d\\u000ay');
    expect(error.message).not.toMatch(/[\r\n]/);
  });
});

describe('zeros from another copy of core', () => {
  /** A ZeroTangent as a core with another registry layout makes it: its own object, the shared kind brand. */
  const foreignZero = Object.freeze({ kind: 'ZeroTangent', [Symbol.for('chainrules.zero')]: 'ZeroTangent' });

  it('a foreign ZeroTangent for the options is a zero, not missing-tangent', () => {
    const zeroed = defineRule((x: number, { c = 1 }: { c?: number } = {}) => c * x, {
      name: 'zeroed',
      kwargs: z.object({ c: kw.diff<number>().default(1) }),
      rrule: (_cfg, { c }, x) => [c * x, (dy) => ({ args: [c * dy], kwargs: foreignZero as never })],
    });
    const [, pullback] = rrule(kwcall, { c: 2 }, zeroed, 3)!;
    expect(pullback(1)[1]).toBe(ZeroTangent);
  });
});
