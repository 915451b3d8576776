import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, defineRule, frule, kw, kwcall, optOut, rrule } from '../../src/index';
import { foo } from '../support/seed';
import { expectRuleError } from '../support/ruleErrors';


/** A rule whose pullback returns whatever the test asks for. */
function ruleReturning(slots: (dy: number) => unknown) {
  return defineRule((a: number, b: number, _o: { c?: number; mode?: 'sum' | 'prod' } = {}) => a * b, {
    name: 'mutant',
    kwargs: z.object({ c: kw.diff<number>().default(1), mode: z.enum(['sum', 'prod']).default('prod') }),
    rrule: (_cfg, { c }, a, b) => [a * b * c, (dy) => slots(dy) as never],
  });
}

describe('bad pullbacks', () => {
  it('a wrong number of argument tangents is wrong-slot-count', () => {
    const f = ruleReturning((dy) => ({ args: [dy], kwargs: new Tangent({ c: dy }) }));
    const [, pullback] = rrule(kwcall, { c: 2 }, f, 2, 3)!;
    const error = expectRuleError(() => pullback(1), 'wrong-slot-count', { rule: 'mutant', slot: 'args' });
    expect(error.message).toContain('1 argument tangents for a call with 2');
  });

  it('a tangent for a static option is tangent-for-static', () => {
    const f = ruleReturning((dy) => ({ args: [dy, dy], kwargs: new Tangent({ c: dy, mode: 1 }) }));
    expectRuleError(() => rrule(kwcall, { c: 2, mode: 'sum' }, f, 2, 3)![1](1), 'tangent-for-static', { slot: 'kwargs.mode' });
  });

  it('ZeroTangent for a static option is the wrong kind of zero', () => {
    const f = ruleReturning((dy) => ({ args: [dy, dy], kwargs: new Tangent({ c: dy, mode: ZeroTangent }) }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, f, 2, 3)![1](1), 'tangent-for-static', { slot: 'kwargs.mode' });
  });

  it('a passed differentiable option with no tangent is missing-tangent, never a silent zero', () => {
    const none = ruleReturning((dy) => ({ args: [dy, dy] }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, none, 2, 3)![1](1), 'missing-tangent', { slot: 'kwargs.c' });
    const empty = ruleReturning((dy) => ({ args: [dy, dy], kwargs: new Tangent({}) }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, empty, 2, 3)![1](1), 'missing-tangent', { slot: 'kwargs.c' });
    const no = ruleReturning((dy) => ({ args: [dy, dy], kwargs: NoTangent }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, no, 2, 3)![1](1), 'missing-tangent', { slot: 'kwargs.c' });
    const noField = ruleReturning((dy) => ({ args: [dy, dy], kwargs: new Tangent({ c: NoTangent as never }) }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, noField, 2, 3)![1](1), 'missing-tangent', { slot: 'kwargs.c' });
    // …but an explicit zero is an answer, and a defaulted option is owed nothing.
    const zero = ruleReturning((dy) => ({ args: [dy, dy], kwargs: ZeroTangent }));
    expect(rrule(kwcall, { c: 2 }, zero, 2, 3)![1](1)[1]).toBe(ZeroTangent);
    expect(rrule(kwcall, {}, none, 2, 3)![1](1)[1]).toBe(NoTangent);
  });

  it('a missing argument tangent, a tangent of the wrong kind, a tangent for a string', () => {
    const hole = ruleReturning((dy) => ({ args: [dy, undefined], kwargs: new Tangent({ c: dy }) }));
    expectRuleError(() => rrule(hole, 2, 3)![1](1), 'missing-tangent', { slot: 'args[1]' });
    const record = ruleReturning((dy) => ({ args: [new Tangent({ x: dy }), dy] }));
    expectRuleError(() => rrule(record, 2, 3)![1](1), 'tangent-mismatch', { slot: 'args[0]' });
    const stringy = ruleReturning((dy) => ({ args: [dy, dy], kwargs: new Tangent({ c: 'six' } as never) }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, stringy, 2, 3)![1](1), 'tangent-mismatch', { slot: 'kwargs.c' });
    const label = defineRule((_s: string, x: number) => x, { name: 'label', rrule: (_c, _o, _s, x) => [x, (dy) => ({ args: [ZeroTangent as never, dy] })] });
    expectRuleError(() => rrule(label, 'a', 2)![1](1), 'tangent-for-static', { rule: 'label', slot: 'args[0]' });
  });

  it('a tangent for an undeclared option, and a non-Tangent options tangent', () => {
    const extra = ruleReturning((dy) => ({ args: [dy, dy], kwargs: new Tangent({ c: dy, d: dy } as never) }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, extra, 2, 3)![1](1), 'unknown-tangent-field', { slot: 'kwargs.d' });
    const bare = ruleReturning((dy) => ({ args: [dy, dy], kwargs: { c: dy } }));
    expectRuleError(() => rrule(kwcall, { c: 2 }, bare, 2, 3)![1](1), 'tangent-mismatch', { slot: 'kwargs' });
  });

  it('an rrule or pullback of the wrong form is invalid-rule', () => {
    const single = defineRule((x: number) => x, { name: 'single', rrule: () => 5 as never });
    expectRuleError(() => rrule(single, 1), 'invalid-rule', { rule: 'single' });
    const tuple = defineRule((x: number) => x, { name: 'tuple', rrule: (_c, _o, x) => [x, (dy) => [dy] as never] });
    expectRuleError(() => rrule(tuple, 1)![1](1), 'invalid-rule', { rule: 'tuple', slot: 'args' });
  });
});

describe('bad tangents into an frule', () => {
  it('a wrong tangent count, a tangent for a static option, for a defaulted option, for kwcall', () => {
    expectRuleError(() => frule([NoTangent, 1], foo, 2, 3), 'wrong-slot-count', { rule: 'foo', slot: 'tangents' });
    expectRuleError(() => frule([NoTangent, 1, 1, new Tangent({ c: 1 })], foo, 2, 3, {}), 'tangent-mismatch', { slot: 'kwargs.c' });
    expectRuleError(() => frule([1, ZeroTangent, NoTangent, 1, 1], kwcall, { c: 1 }, foo, 2, 3), 'tangent-for-static', { slot: 'kwcall' });
    expectRuleError(() => frule(5 as never, foo, 2, 3), 'wrong-slot-count', { slot: 'tangents' });
    const withMode = defineRule((x: number, _o: { mode?: string } = {}) => x, {
      name: 'withMode',
      kwargs: z.object({ mode: z.string().default('a') }),
      frule: (_c, { args: [dx] }, _o, x) => [x, dx],
    });
    expectRuleError(() => frule([NoTangent, 1, new Tangent({ mode: 1 } as never)], withMode, 2, { mode: 'b' }), 'tangent-for-static', { slot: 'kwargs.mode' });
    expect(frule([NoTangent, 1, new Tangent({ mode: ZeroTangent } as never)], withMode, 2, { mode: 'b' })).toEqual([2, 1]);
  });
});

describe('bad options', () => {
  it('a __proto__ or constructor key from JSON.parse is refused, and no prototype is polluted', () => {
    for (const text of ['{"__proto__": {"polluted": true}, "c": 1}', '{"constructor": {"prototype": {"polluted": true}}}', '{"prototype": 1}']) {
      const options = JSON.parse(text) as Record<string, unknown>;
      const key = Object.keys(options)[0]!;
      expectRuleError(() => rrule(kwcall, options, foo, 2, 3), 'forbidden-option-key', { rule: 'foo', slot: `kwargs.${key}` });
      expectRuleError(() => rrule(foo, 2, 3, options), 'forbidden-option-key');
    }
    const nested = defineRule((x: number, _o: { prior: { mu: number } }) => x, {
      name: 'nested',
      kwargs: z.object({ prior: z.object({ mu: kw.diff() }) }),
      rrule: (_c, _o, x) => [x, (dy) => ({ args: [dy], kwargs: new Tangent({ prior: new Tangent({ mu: 0 }) }) })],
    });
    expectRuleError(() => rrule(nested, 1, JSON.parse('{"prior": {"mu": 1, "__proto__": {"polluted": true}}}')), 'forbidden-option-key', { slot: 'kwargs.prior.__proto__' });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('a Tangent backed by JSON with __proto__ keeps it as data', () => {
    const t = new Tangent(JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
    expect(t.keys()).toEqual(['__proto__']);
    expect(t.get('__proto__')).toEqual({ polluted: true });
    expect(Object.getPrototypeOf(t.backing)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a non-object where options are expected is invalid-options', () => {
    for (const options of [5, 'c=3', [3], new Map([['c', 3]]), null]) {
      // @ts-expect-error the types refuse it too
      expectRuleError(() => rrule(kwcall, options, foo, 2, 3), 'invalid-options', { rule: 'foo', slot: 'kwargs' });
    }
  });

  it('an unknown option is unknown-option; a schema violation carries zod’s issues', () => {
    // @ts-expect-error the types refuse it too
    expectRuleError(() => rrule(kwcall, { c: 3, d: 1 }, foo, 2, 3), 'unknown-option', { slot: 'kwargs.d' });
    const f = ruleReturning((dy) => ({ args: [dy, dy], kwargs: new Tangent({ c: dy }) }));
    // @ts-expect-error the types refuse it too
    const error = expectRuleError(() => rrule(kwcall, { mode: 'max' }, f, 2, 3), 'invalid-option', { slot: 'kwargs.mode' });
    expect(error.message).toMatch(/kwargs\.mode: Invalid option: expected one of "sum"\|"prod"/);
    expect(error.cause).toMatchObject({ issues: [expect.objectContaining({ path: ['mode'] })] }); // zod's error (its core class, for classic and mini schemas alike)
    const checked = defineRule((x: number, _o: { n?: number } = {}) => x, {
      name: 'checked',
      kwargs: z.object({ n: z.number().int().positive().default(1) }),
      rrule: (_c, _o, x) => [x, (dy) => ({ args: [dy] })],
    });
    expect(rrule(checked, 1, { n: 2 })).toBeDefined();
    expectRuleError(() => rrule(checked, 1, { n: -2 }), 'invalid-option', { slot: 'kwargs.n' });
    expectRuleError(() => rrule(kwcall, { c: 'three' }, foo, 2, 3), 'invalid-option', { slot: 'kwargs.c' });
  });
});

describe('the kwargs schema', () => {
  it('is compiled once: valid options are checked field by field (no whole-schema parse), an invalid one is described by zod', () => {
    let modeChecks = 0;
    const schema = z.object({ c: kw.diff<number>().default(1), mode: z.custom<'sum' | 'prod'>((v) => (modeChecks++, v === 'sum' || v === 'prod')).default('prod') });
    const f = defineRule((x: number, _o: { c?: number; mode?: 'sum' | 'prod' } = {}) => x, {
      name: 'once',
      kwargs: schema,
      rrule: (_c, { c }, x) => [c * x, (dy) => ({ args: [c * dy], kwargs: new Tangent({ c: x * dy }) })],
    });
    for (let i = 0; i < 100; i++) rrule(kwcall, { c: i, mode: i % 2 === 0 ? 'sum' : 'prod' }, f, 2)![1](1);
    expect(modeChecks).toBe(100); // once per call: the field's own check, never again in a whole-schema parse
    expectRuleError(() => rrule(kwcall, { mode: 'max' as never }, f, 2), 'invalid-option', { slot: 'kwargs.mode' });
  });

  it('never skips an object-level refinement: it runs on every call, on every path', () => {
    let runs = 0;
    const bounded = defineRule((x: number, { lo = 0, hi = 1 }: { lo?: number; hi?: number } = {}) => Math.min(Math.max(x, lo), hi), {
      name: 'bounded',
      kwargs: z.object({ lo: z.number().default(0), hi: z.number().default(1) }).refine((o) => (runs++, o.lo < o.hi), { message: 'lo must be below hi' }),
      rrule: (_c, { lo, hi }, x) => [Math.min(Math.max(x, lo), hi), (dy) => ({ args: [x > lo && x < hi ? dy : 0] })],
    });
    expect(bounded(0.5, { lo: 0, hi: 2 })).toBe(0.5);
    expect(runs).toBe(1);
    const error = expectRuleError(() => bounded(0.5, { lo: 3, hi: 2 }), 'invalid-option', { rule: 'bounded' });
    expect(error.message).toContain('lo must be below hi');
    expectRuleError(() => rrule(kwcall, { lo: 3, hi: 2 }, bounded, 0.5), 'invalid-option');
  });
});

describe('options named like Object.prototype members', () => {
  it('are looked up as own keys only', () => {
    // The types of such names clash with Object's own members, so the rule is typed loosely here.
    const f = defineRule((x: number, _o: Record<string, unknown> = {}) => x, {
      name: 'protoNames',
      kwargs: z.object({ valueOf: kw.diff<number>().default(1), toString: kw.diff<number>().default(0) }) as never,
      rrule: ((_c: unknown, opts: { valueOf: number }, x: number) => [
        opts.valueOf * x,
        (dy: number) => ({ args: [opts.valueOf * dy], kwargs: new Tangent({ valueOf: x * dy, toString: 7 } as never) }),
      ]) as never,
    });
    expect(rrule(kwcall, {}, f, 2)![1](1)).toEqual([NoTangent, NoTangent, NoTangent, 1]);
    const slots = rrule(kwcall, { valueOf: 3 }, f, 2)![1](1);
    expect((slots[1] as Tangent).backing).toEqual({ valueOf: 2 });
    expect(slots[3]).toBe(3);
  });
});

describe('bad definitions', () => {
  it('refuses specs that cannot work', () => {
    expectRuleError(() => defineRule(5 as never, { rrule: (() => [0, () => ({ args: [] })]) as never }), 'invalid-rule');
    expectRuleError(() => defineRule((x: number) => x, {}), 'invalid-rule');
    expectRuleError(() => defineRule((x: number) => x, { rrule: 5 as never }), 'invalid-rule');
    expectRuleError(() => defineRule((x: number) => x, { kwargs: z.string() as never, rrule: () => [0, () => ({ args: [] })] as never }), 'invalid-rule', { slot: 'kwargs' });
    expectRuleError(
      () => defineRule((x: number) => x, { kwargs: z.object({ c: z.union([kw.diff(), z.string()]) }) as never, rrule: () => [0, () => ({ args: [] })] as never }),
      'invalid-rule',
      { slot: 'kwargs.c' },
    );
    expectRuleError(
      () => defineRule((x: number) => x, { kwargs: z.object({ c: kw.diff() }).catchall(z.number()) as never, rrule: () => [0, () => ({ args: [] })] as never }),
      'invalid-rule',
    );
    expectRuleError(() => optOut((x: number) => x, () => true), 'invalid-rule');
  });
});
