import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, defineRule, frule, hasRule, kw, kwcall, nonDifferentiable, optOut, rrule, thunk } from '../../src/index';

describe('defineRule', () => {
  it('returns a function that computes what the plain one computes, under the given name', () => {
    const impl = (x: number, { k = 2 }: { k?: number } = {}) => k * x;
    const scaled = defineRule(impl, {
      name: 'scaled',
      kwargs: z.object({ k: kw.diff<number>().default(2) }),
      rrule: (_c, { k }, x) => [k * x, (dy) => ({ args: [k * dy], kwargs: new Tangent({ k: x * dy }) })],
    });
    expect(scaled.name).toBe('scaled');
    expect(scaled(3)).toBe(6);
    expect(scaled(3, { k: 5 })).toBe(15);
    expect(hasRule(scaled) && hasRule(impl)).toBe(true);
    expect(hasRule((x: number) => x)).toBe(false);
  });

  it('passes `this` and exactly the arguments given to the plain function, with or without an adapter', async () => {
    const { installBox } = await import('../support/boxEngine');
    const seen: number[] = [];
    const counter = {
      base: 10,
      add: defineRule(function (this: { base: number }, ...xs: number[]) {
        seen.push(xs.length);
        return xs.reduce((sum, x) => sum + x, this.base);
      }, { rrule: (_c, _o, ...xs) => [0, () => ({ args: xs.map(() => 0) as never })] }),
    };
    expect(counter.add(1, 2)).toBe(13);
    expect(counter.add(1, 2, 3, 4, 5, 6)).toBe(31);
    const uninstall = installBox();
    try {
      expect(counter.add(1)).toBe(11);
    } finally {
      uninstall();
    }
    expect(seen).toEqual([2, 6, 1]);
  });

  it('lets a later definition for the same function win, under both identities', () => {
    const impl = (x: number) => x;
    defineRule(impl, { rrule: (_c, _o, x) => [x, (dy) => ({ args: [dy] })] });
    const second = defineRule(impl, { rrule: (_c, _o, x) => [x, (dy) => ({ args: [2 * dy] })] });
    expect(rrule(impl, 1)![1](1)).toEqual([NoTangent, 2]);
    expect(rrule(second, 1)![1](1)).toEqual([NoTangent, 2]);
  });

  it('passes nested option records, and returns their tangents nested', () => {
    const prior = defineRule((x: number, _o: { prior: { mu: number; sigma?: number }; label?: string }) => x, {
      name: 'prior',
      kwargs: z.object({ prior: z.object({ mu: kw.diff<number>(), sigma: kw.diff<number>().default(1) }), label: z.string().optional() }),
      rrule: (_c, { prior: { mu, sigma } }, x) => [
        (x - mu) / sigma,
        (dy) => ({ args: [dy / sigma], kwargs: new Tangent({ prior: new Tangent({ mu: -dy / sigma, sigma: (-dy * (x - mu)) / sigma ** 2 }) }) }),
      ],
    });
    const [y, pullback] = rrule(kwcall, { prior: { mu: 1, sigma: 2 }, label: 'a' }, prior, 5)!;
    expect(y).toBe(2);
    const dkw = pullback(1)[1] as Tangent<{ prior: { mu: number; sigma: number } }>;
    expect((dkw.get('prior') as Tangent).backing).toEqual({ mu: -0.5, sigma: -1 });
    // sigma left to its default: its tangent is dropped, mu's is kept.
    const dkwDefault = rrule(kwcall, { prior: { mu: 1 } }, prior, 5)![1](1)[1] as Tangent;
    expect((dkwDefault.get('prior') as Tangent).backing).toEqual({ mu: -1 });
  });

  it('gives the function’s own tangent through self', () => {
    const closure = defineRule((x: number) => 3 * x, { rrule: (_c, _o, x) => [3 * x, (dy) => ({ args: [3 * dy], self: new Tangent({ scale: x * dy }) })] });
    const [dself, dx] = rrule(closure, 2)![1](1);
    expect((dself as Tangent).backing).toEqual({ scale: 2 });
    expect(dx).toBe(3);
  });

  it('accepts a structural tangent for a function argument (its captured state), not a number', () => {
    const apply = defineRule((g: (x: number) => number, x: number) => g(x), {
      name: 'apply',
      rrule: (_c, _o, g, x) => [g(x), (dy) => ({ args: [new Tangent({ k: dy * x }) as never, dy], self: NoTangent })],
    });
    expect((rrule(apply, (x: number) => 2 * x, 3)![1](1)[1] as Tangent).backing).toEqual({ k: 3 });
    const wrong = defineRule((g: (x: number) => number, x: number) => g(x), {
      name: 'wrong',
      rrule: (_c, _o, g, x) => [g(x), (dy) => ({ args: [dy as never, dy] })],
    });
    expect(() => rrule(wrong, (x: number) => 2 * x, 3)![1](1)).toThrow(expect.objectContaining({ code: 'tangent-for-static', slot: 'args[0]' }));
  });

  it('answers a zero cotangent with zeros of the right kinds, without running the pullback', () => {
    let runs = 0;
    const f = defineRule((x: number, _s: string, _o: { c?: number } = {}) => x, {
      kwargs: z.object({ c: kw.diff<number>().default(1) }),
      rrule: (_c, _o, x) => [x, (dy) => (runs++, { args: [dy, NoTangent], kwargs: new Tangent({ c: dy }) })],
    });
    expect(rrule(kwcall, { c: 2 }, f, 1, 's')![1](ZeroTangent)).toEqual([NoTangent, ZeroTangent, NoTangent, ZeroTangent, NoTangent]);
    expect(rrule(kwcall, {}, f, 1, 's')![1](NoTangent)).toEqual([NoTangent, NoTangent, NoTangent, ZeroTangent, NoTangent]);
    expect(runs).toBe(0);
  });

  it('unthunks a thunked cotangent before the pullback sees it', () => {
    const f = defineRule((x: number) => 2 * x, { rrule: (_c, _o, x) => [2 * x, (dy) => ({ args: [2 * dy] })] });
    expect(rrule(f, 1)![1](thunk(() => 5))).toEqual([NoTangent, 10]);
  });
  it('evaluates thunks inside Tangents too: rules read tangents as values', () => {
    let seenByPullback: unknown;
    let seenByFrule: unknown[] = [];
    const pair = defineRule((p: { a: number; b: number }, { c = 1 }: { c?: number } = {}) => ({ s: p.a * c, t: p.b }), {
      name: 'pair',
      kwargs: z.object({ c: kw.diff<number>().default(1) }),
      rrule: (_cfg, { c }, p) => [
        { s: p.a * c, t: p.b },
        (dy) => {
          seenByPullback = (dy as Tangent<{ s: number; t: number }>).get('s');
          return { args: [new Tangent<typeof p>({ a: c })], kwargs: new Tangent<{ c: number }>({ c: p.a }) };
        },
      ],
      frule: (_cfg, { args: [dp], kwargs: dkw }, { c }, p) => {
        seenByFrule = [(dp as Tangent<typeof p>).get('a'), dkw.get('c')];
        return [{ s: p.a * c, t: p.b }, ZeroTangent];
      },
    });
    rrule(kwcall, { c: 2 }, pair, { a: 3, b: 4 })![1](new Tangent<{ s: number; t: number }>({ s: thunk(() => 5), t: 1 }));
    expect(seenByPullback).toBe(5);
    frule([NoTangent, new Tangent<{ c: number }>({ c: thunk(() => 7) }), NoTangent, new Tangent<{ a: number; b: number }>({ a: thunk(() => 6) })], kwcall, { c: 2 }, pair, { a: 3, b: 4 });
    expect(seenByFrule).toEqual([6, 7]);
  });
});

describe('nonDifferentiable', () => {
  const argmax = nonDifferentiable((xs: number[]) => xs.indexOf(Math.max(...xs)), 'argmax');

  it('computes the function and gives NoTangent in every slot', () => {
    expect(argmax([1, 3, 2])).toBe(1);
    const [y, pullback] = rrule(argmax, [1, 3, 2])!;
    expect(y).toBe(1);
    expect(pullback(1)).toEqual([NoTangent, NoTangent]);
    expect(rrule(kwcall, { tie: 'first' }, argmax, [1, 3, 2])![1](1)).toEqual([NoTangent, NoTangent, NoTangent, NoTangent]);
  });

  it('gives a NoTangent output tangent, and still checks the tangent count', () => {
    expect(frule([NoTangent, new Tangent([1, 1, 1])], argmax, [1, 3, 2])).toEqual([1, NoTangent]);
    expect(() => frule([NoTangent], argmax, [1, 3, 2])).toThrow(expect.objectContaining({ code: 'wrong-slot-count', rule: 'argmax' }));
  });
});

describe('optOut', () => {
  it('makes rrule and frule return undefined where the predicate holds, and can be undone', () => {
    const square = defineRule((x: number) => x * x, {
      rrule: (_c, _o, x) => [x * x, (dy) => ({ args: [2 * x * dy] })],
      frule: (_c, { args: [dx] }, _o, x) => [x * x, typeof dx === 'number' ? 2 * x * dx : ZeroTangent],
    });
    const undo = optOut(square, (x) => x === 0);
    expect(rrule(square, 0)).toBeUndefined();
    expect(frule([NoTangent, 1], square, 0)).toBeUndefined();
    expect(rrule(square, 3)![1](1)).toEqual([NoTangent, 6]);
    expect(frule([NoTangent, 1], square, 3)).toEqual([9, 6]);
    undo();
    expect(rrule(square, 0)![1](1)).toEqual([NoTangent, 0]);
  });
});
