import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { Array as JaxArray } from '@jax-js/jax';
import { Tangent, add, defineRule, kw, kwcall, rrule, scale } from '@chainrules/core';
import type { AbstractZero, ArrayApi, Thunk } from '@chainrules/core';
import type {} from '../src/index'; // declares the jax-js Array in ArrayTypes

declare const jaxSum: (x: JaxArray | number) => JaxArray;
declare const x0: JaxArray;

/*
 * With the adapter imported, a rule over jax-js arrays runs on `JaxArray`: its `xp`, its
 * options and its tangents are typed with it.
 */
describe('a rule over jax-js arrays', () => {
  function energy(x: JaxArray, _o: { c?: JaxArray | number } = {}): JaxArray {
    return x;
  }
  const schema = z.object({ c: kw.diff().default(1) });

  it('types xp, a kw.diff() option and the tangents with the jax-js Array', () => {
    const rule = defineRule(energy, {
      kwargs: schema,
      frule: (cfg, { args: [dx], kwargs: dkw }, { c }, x) => {
        expectTypeOf(cfg.xp).toEqualTypeOf<ArrayApi<JaxArray, unknown>>();
        expectTypeOf(c).toEqualTypeOf<JaxArray | number>();
        expectTypeOf(dx).toEqualTypeOf<JaxArray | number | AbstractZero | Thunk<JaxArray | number | AbstractZero>>();
        const y = cfg.xp.multiply(c, jaxSum(cfg.xp.square(x)));
        return [y, add(scale(cfg.xp.multiply(2, x), dx), scale(jaxSum(cfg.xp.square(x)), dkw.get('c')))];
      },
      rrule: (cfg, { c }, x) => [
        cfg.xp.multiply(c, jaxSum(cfg.xp.square(x))),
        (dy) => ({ args: [cfg.xp.multiply(dy, cfg.xp.multiply(2, x))], kwargs: new Tangent({ c: jaxSum(cfg.xp.multiply(dy, x)) }) }),
      ],
    });
    rrule(kwcall, { c: 2 }, rule, x0);
    // @ts-expect-error an option the function does not take
    rrule(kwcall, { cc: 2 }, rule, x0);
  });

  it('refuses a number’s arithmetic on an array option', () => {
    defineRule(energy, {
      kwargs: schema,
      rrule: (cfg, { c }, x) => [
        cfg.xp.multiply(c, x),
        // @ts-expect-error c may be a jax-js array: `c * 2` is not its arithmetic
        (dy) => ({ args: [cfg.xp.multiply(dy, c * 2)], kwargs: new Tangent({ c: cfg.xp.multiply(dy, x) }) }),
      ],
    });
  });
});
