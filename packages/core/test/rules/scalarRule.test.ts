import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, frule, isNotImplemented, kw, kwcall, notImplemented, rrule, ruleRuns, scalarRule } from '../../src/index';
import { expectRuleError } from '../support/ruleErrors';

/** y = w·x² + b, elementwise: partials 2wx (x), x² (w), 1 (b); the output and a set-up at hand. */
const quad = scalarRule((x: number, { w = 1, b = 0 }: { w?: number; b?: number } = {}) => w * x * x + b, {
  name: 'quad',
  kwargs: z.object({ w: kw.diff<number>().default(1), b: kw.diff<number>().default(0) }),
  setup: (_xp, _opts, x) => x * x,
  value: (_xp, x2, { w, b }) => w * x2 + b,
  partials: (_xp, { setup: x2 }, { w }, x) => ({ args: [2 * w * x], kwargs: { w: x2, b: 1 } }),
});

describe('scalarRule', () => {
  it('gives the rrule: ȳ times each partial, for arguments and passed options', () => {
    const [y, pullback] = rrule(kwcall, { w: 3, b: 1 }, quad, 2)!;
    expect(y).toBe(13);
    const slots = pullback(2);
    expect((slots[1] as Tangent<{ w: number; b: number }>).backing).toEqual({ w: 8, b: 2 });
    expect(slots.slice(2)).toEqual([NoTangent, 24]);
    // A defaulted option is a constant: no tangent owed.
    expect(rrule(quad, 2)![1](1)).toEqual([NoTangent, 4]);
  });

  it('gives the frule: the partials times the tangents that move', () => {
    expect(frule([NoTangent, new Tangent({ w: 1, b: 0 }), NoTangent, 1], kwcall, { w: 3, b: 1 }, quad, 2)).toEqual([13, 16]);
    expect(frule([NoTangent, ZeroTangent, NoTangent, ZeroTangent], kwcall, { w: 3, b: 1 }, quad, 2)).toEqual([13, ZeroTangent]);
  });

  it('runs its set-up once per rule call, and is counted like any rule', () => {
    let setups = 0;
    const sq = scalarRule((x: number) => x * x, {
      name: 'sq',
      setup: (_xp, _opts, x) => (setups++, 2 * x),
      partials: (_xp, { setup }) => ({ args: [setup] }),
    });
    const before = ruleRuns(sq)!;
    expect(rrule(sq, 3)![1](1)).toEqual([NoTangent, 6]);
    expect(setups).toBe(1);
    expect(ruleRuns(sq)!.rrule - before.rrule).toBe(1);
  });

  it('leaves a static argument with NoTangent, and a notImplemented partial for the engine to refuse when needed', () => {
    const pick = scalarRule((x: number, n: number) => n * x, {
      name: 'pick',
      staticArgs: [1],
      partials: (_xp, _at, _o, _x, n) => ({ args: [n, undefined] }),
    });
    expect(rrule(pick, 2, 3)![1](1)).toEqual([NoTangent, 3, NoTangent]);
    const half = scalarRule((x: number, { t = 1 }: { t?: number } = {}) => x / 2 + 0 * t, {
      name: 'half',
      kwargs: z.object({ t: kw.diff<number>().default(1) }),
      partials: () => ({ args: [0.5], kwargs: { t: notImplemented('t is a tolerance') } }),
    });
    const slots = rrule(kwcall, { t: 2 }, half, 4)![1](1);
    expect(isNotImplemented((slots[1] as Tangent<{ t: number }>).get('t'))).toBe(true);
    expectRuleError(() => frule([NoTangent, new Tangent({ t: 1 }), NoTangent, 0], kwcall, { t: 2 }, half, 4), 'not-implemented', { rule: 'half', slot: 'output' });
  });

  it('refuses a spec without partials, and partials of the wrong length', () => {
    expectRuleError(() => scalarRule((x: number) => x, { name: 'bad' } as never), 'invalid-rule');
    const short = scalarRule((x: number, y: number) => x * y, { name: 'short', partials: () => ({ args: [1] }) });
    expectRuleError(() => rrule(short, 2, 3)![1](1), 'invalid-rule', { rule: 'short', slot: 'args' });
  });
});
