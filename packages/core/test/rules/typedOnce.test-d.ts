import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import * as zm from 'zod/mini';
import { NoTangent, Tangent, ZeroTangent, defineRule, frule, kw, kwcall, namespaceOf, rrule, scalarRule } from '../../src/index';
import type { AbstractArray, AbstractZero, ArrayApi, Differentiable, NotImplemented, RuleArrayOf, RuleConfig, Thunk, Widen } from '../../src/index';
import { boxApi } from '../support/boxEngine';
import type { Box } from '../support/boxEngine';

/*
 * A rule written once for numbers and every engine is checked against `AbstractArray`; a rule
 * over one engine's arrays (here the test engine's `Box`) against that engine's array type; a
 * rule over numbers against numbers. Each wrong program below is rejected where it is written.
 */

type ScaleOptions<T> = { w?: number | T; mode?: 'sum' | 'mean' };
/** scale(x, { w }) = w·x, for a number or any engine's array. */
function scaleImpl<T extends Differentiable>(x: T, { w = 1 }: ScaleOptions<Widen<T>> = {}): Widen<T> {
  return namespaceOf(x, w).multiply(w, x);
}
const scaleSchema = z.object({ w: kw.diff().default(1), mode: z.enum(['sum', 'mean']).default('sum') });

/** The same function over the test engine's arrays only. */
function boxScaleImpl(x: Box | number, _o: ScaleOptions<Box> = {}): Box {
  return boxApi.multiply(x, 1);
}
const boxSum = (x: Box | number): Box => boxApi.sum(x);

describe('a rule written once: the array type reaches xp, the options, the tangents and the pullback', () => {
  it('finds the array type of the rule from the function', () => {
    expectTypeOf<RuleArrayOf<typeof scaleImpl>>().toEqualTypeOf<AbstractArray>();
    expectTypeOf<RuleArrayOf<typeof boxScaleImpl>>().toEqualTypeOf<Box>();
    expectTypeOf<RuleArrayOf<(x: number, o?: { c?: number }) => number>>().toEqualTypeOf<number>();
  });

  it('(a) a kw.diff() option is the rule’s array type or a number: a number’s arithmetic on it is refused, an engine’s own operation fits an engine’s rule', () => {
    defineRule(scaleImpl, {
      kwargs: scaleSchema,
      rrule: (cfg, { w }, x) => {
        expectTypeOf(w).toEqualTypeOf<AbstractArray | number>();
        expectTypeOf(x).toEqualTypeOf<AbstractArray | number>();
        expectTypeOf(cfg).toEqualTypeOf<RuleConfig<AbstractArray>>();
        const { xp } = cfg;
        return [
          xp.multiply(w, x),
          // @ts-expect-error (a) w may be a tensor at run time: `w * 2 / 2` would be NaN
          (dy) => ({ args: [xp.multiply(dy, (w * 2) / 2)], kwargs: new Tangent({ w: xp.multiply(dy, x) }) }),
        ];
      },
    });
    // The right programs: the engine-neutral one, and one for the test engine whose pullback
    // returns that engine's own reduction as w's cotangent.
    defineRule(scaleImpl, {
      kwargs: scaleSchema,
      rrule: ({ xp }, { w }, x) => [xp.multiply(w, x), (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: xp.sum(xp.multiply(dy, x)) }) })],
    });
    defineRule(boxScaleImpl, {
      kwargs: scaleSchema,
      rrule: ({ xp }, { w }, x) => {
        expectTypeOf(w).toEqualTypeOf<Box | number>();
        expectTypeOf(xp).toEqualTypeOf<ArrayApi<Box, unknown>>();
        return [xp.multiply(w, x), (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: boxSum(xp.multiply(dy, x)) }) })];
      },
    });
  });

  it('(b) cfg.xp is the rule’s ArrayApi, not ArrayApi<any>', () => {
    defineRule(scaleImpl, {
      kwargs: scaleSchema,
      rrule: ({ xp }, { w }, x) => [
        // @ts-expect-error (b) a string is no operand
        xp.multiply(x, 'oops'),
        (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: xp.multiply(dy, x) }) }),
      ],
    });
    scalarRule(scaleImpl, {
      kwargs: scaleSchema,
      // @ts-expect-error (b) scalarRule's xp too
      partials: (xp, _at, { w }, x) => ({ args: [xp.multiply(w, 'oops')], kwargs: { w: x } }),
    });
    scalarRule(scaleImpl, {
      kwargs: scaleSchema,
      partials: (xp, { y }, { w }, x) => {
        expectTypeOf(y).toEqualTypeOf<AbstractArray | number>();
        return { args: [w], kwargs: { w: xp.multiply(x, 1) } };
      },
    });
  });

  it('(c) the keyword form checks the options against the function’s', () => {
    const scale = defineRule(scaleImpl, {
      kwargs: scaleSchema,
      rrule: ({ xp }, { w }, x) => [xp.multiply(w, x), (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: xp.multiply(dy, x) }) })],
    });
    rrule(kwcall, { w: 0.5 }, scale, 2);
    rrule(kwcall, { w: 0.5, mode: 'mean' }, scale, 2);
    frule([NoTangent, new Tangent({ w: 1 }), NoTangent, 0], kwcall, { w: 0.5 }, scale, 2);
    // @ts-expect-error (c) an unknown option key
    rrule(kwcall, { ww: 0.5 }, scale, 2);
    // @ts-expect-error (c) an unknown option key, in the forward contract
    frule([NoTangent, new Tangent({ w: 1 }), NoTangent, 0], kwcall, { ww: 0.5 }, scale, 2);
    // @ts-expect-error (c) a value the option does not take
    rrule(kwcall, { mode: 'median' }, scale, 2);
  });

  it('(d) the kwargs schema must fit the function’s options parameter', () => {
    defineRule(scaleImpl, {
      // @ts-expect-error (d) the schema misspells an option
      kwargs: z.object({ ww: kw.diff().default(1), mode: z.enum(['sum', 'mean']).default('sum') }),
      rrule: ({ xp }, _opts, x) => [x, (dy) => ({ args: [xp.multiply(dy, 1)], kwargs: new Tangent({}) })],
    });
    defineRule(scaleImpl, {
      // @ts-expect-error (d) the function takes a mode the schema does not declare
      kwargs: z.object({ w: kw.diff().default(1) }),
      rrule: ({ xp }, { w }, x) => [x, (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: dy }) })],
    });
    defineRule(scaleImpl, {
      // @ts-expect-error (d) the function's w takes arrays, the schema's numbers only
      kwargs: z.object({ w: kw.diff<number>().default(1), mode: z.enum(['sum', 'mean']).default('sum') }),
      rrule: ({ xp }, { w }, x) => [x, (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: ZeroTangent }) })],
    });
    defineRule(scaleImpl, {
      // @ts-expect-error (d) callers may leave w out, the schema requires it
      kwargs: z.object({ w: kw.diff(), mode: z.enum(['sum', 'mean']).default('sum') }),
      rrule: ({ xp }, { w }, x) => [x, (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: dy }) })],
    });
    scalarRule((x: number) => x, {
      // @ts-expect-error (d) a schema for a function without options
      kwargs: z.object({ w: kw.diff().default(1) }),
      partials: () => ({ args: [1] }),
    });
  });

  it('(e) the pullback owes the kwargs slot when the schema has differentiable fields', () => {
    defineRule(scaleImpl, {
      kwargs: scaleSchema,
      // @ts-expect-error (e) no tangent for the differentiable option w
      rrule: ({ xp }, { w }, x) => [xp.multiply(w, x), (dy) => ({ args: [xp.multiply(dy, w)] })],
    });
    // A schema of static fields only owes none.
    defineRule((x: number, _o: { mode?: 'sum' | 'mean' } = {}) => x, {
      kwargs: z.object({ mode: z.enum(['sum', 'mean']).default('sum') }),
      rrule: (_cfg, _opts, x) => [x, (dy) => ({ args: [dy] })],
    });
    // A nested record with a differentiable field owes it too.
    defineRule((x: number, _o: { prior: { mu: number } }) => x, {
      kwargs: z.object({ prior: z.object({ mu: kw.diff<number>() }) }),
      // @ts-expect-error (e) no tangent for prior.mu
      rrule: (_cfg, _opts, x) => [x, (dy) => ({ args: [dy] })],
    });
  });

  it('(d, e) the same checks hold for a schema written with zod/mini', () => {
    const mini = zm.object({ w: zm._default(kw.diff(), 1), mode: zm._default(zm.enum(['sum', 'mean']), 'sum') });
    defineRule(scaleImpl, {
      kwargs: mini,
      rrule: ({ xp }, { w }, x) => [xp.multiply(w, x), (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: xp.multiply(dy, x) }) })],
    });
    defineRule(scaleImpl, {
      kwargs: mini,
      // @ts-expect-error (e) no tangent for w, with a zod/mini schema
      rrule: ({ xp }, { w }, x) => [xp.multiply(w, x), (dy) => ({ args: [xp.multiply(dy, w)] })],
    });
    defineRule(scaleImpl, {
      // @ts-expect-error (d) mode missing from a zod/mini schema
      kwargs: zm.object({ w: zm._default(kw.diff(), 1) }),
      rrule: ({ xp }, { w }, x) => [xp.multiply(w, x), (dy) => ({ args: [xp.multiply(dy, w)], kwargs: new Tangent({ w: dy }) })],
    });
  });

  it('(f) Widen is core’s', () => {
    expectTypeOf<Widen<1>>().toEqualTypeOf<number>();
    expectTypeOf<Widen<Box>>().toEqualTypeOf<Box>();
    expectTypeOf<Widen<AbstractArray>>().toEqualTypeOf<AbstractArray>();
    // @ts-expect-error (f) a literal is widened to number
    expectTypeOf<Widen<1>>().toEqualTypeOf<1>();
  });

  it('(g) a tuple or record output’s cotangent is the output’s Tangent', () => {
    type Both<T> = [energy: T, forces: T];
    function energyImpl<T extends Differentiable>(x: T): Both<Widen<T>> {
      return [x, x] as never;
    }
    defineRule(energyImpl, {
      rrule: ({ xp }, _opts, x) => [
        [xp.sum(xp.square(x)), xp.multiply(2, x)],
        (dy) => {
          expectTypeOf(dy).toEqualTypeOf<Tangent<[energy: AbstractArray | number, forces: AbstractArray | number]>>();
          const [de, df] = [dy.get(0), dy.get(1)];
          expectTypeOf(de).toEqualTypeOf<AbstractArray | number | AbstractZero | Thunk<AbstractArray | number | AbstractZero> | NotImplemented>();
          return { args: [xp.multiply(2, xp.multiply(x, xp.add(de as never, df as never)))] };
        },
      ],
    });
    defineRule(energyImpl, {
      rrule: ({ xp }, _opts, x) => [
        [xp.sum(xp.square(x)), xp.multiply(2, x)],
        // @ts-expect-error (g) the cotangent of a pair is a Tangent, not an array to multiply
        (dy) => ({ args: [xp.multiply(dy, x)] }),
      ],
    });
    defineRule((x: number) => ({ val: x, aux: 'note' }), {
      rrule: (_cfg, _opts, x) => [
        { val: x, aux: 'note' },
        (dy) => {
          expectTypeOf(dy).toEqualTypeOf<Tangent<{ val: number; aux: string }>>();
          // @ts-expect-error (g) the static aux field has no derivative to read as a number
          const bad: number = dy.get('aux');
          void bad;
          return { args: [dy.get('val') === ZeroTangent ? 0 : (dy.get('val') as number)] };
        },
      ],
    });
  });

  it('a kw.tree() option: its value typed as the schema says, and the pullback owes the kwargs slot', () => {
    type Params = { w: number; b: readonly [number, number] };
    const total = (x: number, { params }: { params: Params }) => x * params.w + params.b[0];
    defineRule(total, {
      kwargs: z.object({ params: kw.tree<Params>() }),
      rrule: (_cfg, { params }, x) => {
        expectTypeOf(params).toEqualTypeOf<Params>();
        return [x * params.w + params.b[0], (dy) => ({ args: [dy * params.w], kwargs: new Tangent({ params: new Tangent({ w: dy * x, b: new Tangent([dy, 0]) }) }) })];
      },
    });
    defineRule(total, {
      kwargs: z.object({ params: kw.tree<Params>() }),
      // @ts-expect-error the pullback owes the options' tangent: the schema has a kw.tree() field
      rrule: (_cfg, { params }, x) => [x * params.w + params.b[0], (dy) => ({ args: [dy * params.w] })],
    });
  });
});

