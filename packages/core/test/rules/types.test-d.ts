import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, ZeroTangent, defineRule, kw, kwcall, namespaceOf, numberApi, rrule, thunk } from '../../src/index';
import type { AbstractZero, ArrayApi, NotImplemented, PositionalOf, RruleResult, TangentOf, Thunk } from '../../src/index';

describe('tangent types', () => {
  it('Tangent<{ c: number; mode: string }> admits c and only NoTangent for mode', () => {
    new Tangent<{ c: number; mode: string }>({ c: 6 });
    new Tangent<{ c: number; mode: string }>({ c: ZeroTangent, mode: NoTangent });
    new Tangent<{ c: number; mode: string }>({ c: thunk(() => 6) });
    // @ts-expect-error a string option has no derivative
    new Tangent<{ c: number; mode: string }>({ mode: 1 });
    // @ts-expect-error ZeroTangent is the wrong kind of zero for a string
    new Tangent<{ c: number; mode: string }>({ mode: ZeroTangent });
    // @ts-expect-error a number's tangent is not a string
    new Tangent<{ c: number; mode: string }>({ c: 'six' });
  });

  it('maps primals to their tangent types', () => {
    expectTypeOf<TangentOf<string>>().toEqualTypeOf<NoTangent>();
    expectTypeOf<TangentOf<boolean>>().toEqualTypeOf<NoTangent>();
    expectTypeOf<TangentOf<number>>().toEqualTypeOf<number | AbstractZero | Thunk<number | AbstractZero>>();
    expectTypeOf<TangentOf<{ c: number }>>().toEqualTypeOf<Tangent<{ c: number }> | AbstractZero | Thunk<Tangent<{ c: number }> | AbstractZero>>();
    expectTypeOf(new Tangent<{ c: number }>({ c: 1 }).get('c')).toEqualTypeOf<number | AbstractZero | NotImplemented | Thunk<number | AbstractZero>>();
  });

  it('a Tangent of untyped values (from an ArrayApi<any>) fits an options type with static fields', () => {
    const fromXp: any = 6;
    const tangent = new Tangent({ c: fromXp });
    const fits: TangentOf<{ c: number; mode: 'sum' | 'prod' }> = tangent;
    expectTypeOf(fits).not.toBeAny();
    expectTypeOf<TangentOf<any>>().toBeAny();
    const zeroField: TangentOf<{ c: number; mode: 'sum' | 'prod' }> = new Tangent({ c: ZeroTangent });
    expectTypeOf(zeroField).not.toBeAny();
  });

  it('types namespaceOf of plain numbers as numberApi', () => {
    expectTypeOf(namespaceOf(1, 2, undefined)).toEqualTypeOf<ArrayApi<number, boolean>>();
    expectTypeOf(namespaceOf(1, 2, undefined).multiply(1, 2)).toEqualTypeOf<number>();
    expectTypeOf(namespaceOf(1, {} as unknown)).toEqualTypeOf<ArrayApi<any, any>>();
  });

  it('types numberApi over numbers and booleans', () => {
    expectTypeOf(numberApi).toEqualTypeOf<ArrayApi<number, boolean>>();
    expectTypeOf(numberApi.greater(1, 2)).toEqualTypeOf<boolean>();
  });
});

describe('defineRule types', () => {
  const schema = z.object({ c: kw.diff<number>().default(42), mode: z.enum(['sum', 'prod']).default('prod') });
  const impl = (a: number, b: number, _o: { c?: number; mode?: 'sum' | 'prod' } = {}) => a * b;

  it('strips the trailing options from the positional parameters', () => {
    expectTypeOf<PositionalOf<typeof impl, typeof schema>>().toEqualTypeOf<[a: number, b: number]>();
    expectTypeOf<PositionalOf<(x: string) => void, undefined>>().toEqualTypeOf<[x: string]>();
  });

  it('gives the rule parsed options and returns the function’s own type', () => {
    const foo = defineRule(impl, {
      kwargs: schema,
      rrule: (_cfg, opts, a, b) => {
        expectTypeOf(opts).toEqualTypeOf<{ c: number; mode: 'sum' | 'prod' }>();
        expectTypeOf(a).toEqualTypeOf<number>();
        return [a * b * opts.c, (dy) => ({ args: [dy * b, dy * a], kwargs: new Tangent({ c: dy * a * b }) })];
      },
      frule: (_cfg, { args: [da], kwargs }, _opts, a, b) => {
        expectTypeOf(kwargs).toEqualTypeOf<Tangent<{ c: number; mode: 'sum' | 'prod' }>>();
        expectTypeOf(da).toEqualTypeOf<number | AbstractZero | Thunk<number | AbstractZero>>();
        return [a * b, 0];
      },
    });
    expectTypeOf(foo).toEqualTypeOf<typeof impl>();
    expectTypeOf(rrule(kwcall, { c: 3 }, foo, 2, 3)).toEqualTypeOf<RruleResult | undefined>();
  });

  it('rejects pullbacks of the wrong shape at compile time', () => {
    defineRule(impl, {
      kwargs: schema,
      // @ts-expect-error one argument tangent for two positional arguments
      rrule: (_cfg, _opts, a, b) => [a * b, (dy) => ({ args: [dy] })],
    });
    defineRule(impl, {
      kwargs: schema,
      // @ts-expect-error a tangent for the static option mode
      rrule: (_cfg, _opts, a, b) => [a * b, (dy) => ({ args: [dy, dy], kwargs: new Tangent({ mode: dy }) })],
    });
  });

  it('rejects a schema of the wrong type for kwargs', () => {
    // @ts-expect-error kwargs must be a zod schema
    defineRule(impl, { kwargs: { c: 1 }, rrule: (_cfg, _opts, a: number, b: number) => [a * b, () => ({ args: [0, 0] })] });
  });
});
