import type * as tf from '@tensorflow/tfjs';
import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { Tangent, defineRule, kw, kwcall, rrule } from '@chainrules/core';
import type { AbstractArray, ArrayApi, Differentiable, Widen } from '@chainrules/core';
import type {} from '../src/index'; // declares tf.Tensor in ArrayTypes

declare const tfSum: (x: tf.Tensor | number) => tf.Tensor;
declare const tfMul: (x: tf.Tensor | number, y: tf.Tensor | number) => tf.Tensor;

/*
 * With the adapter imported, a rule over TF.js tensors runs on `tf.Tensor`: its `xp`, its
 * options and its tangents are typed with it. A rule over `Differentiable` stays engine-neutral.
 */
describe('a rule over TF.js tensors', () => {
  function weighted(x: tf.Tensor, { w = 1 }: { w?: tf.Tensor | number } = {}): tf.Tensor {
    return tfMul(x, w);
  }
  const schema = z.object({ w: kw.diff().default(1) });

  it('types kw.diff() options, xp and the cotangent with tf.Tensor, so a TF.js reduction is a valid cotangent', () => {
    const rule = defineRule(weighted, {
      kwargs: schema,
      rrule: (cfg, { w }, x) => {
        expectTypeOf(w).toEqualTypeOf<tf.Tensor | number>();
        expectTypeOf(cfg.xp).toEqualTypeOf<ArrayApi<tf.Tensor, unknown>>();
        return [cfg.xp.multiply(w, x), (dy) => ({ args: [tfMul(dy, w)], kwargs: new Tangent({ w: tfSum(tfMul(dy, x)) }) })];
      },
    });
    rrule(kwcall, { w: 2 }, rule, null as unknown as tf.Tensor);
    // @ts-expect-error an option the function does not take
    rrule(kwcall, { ww: 2 }, rule, null as unknown as tf.Tensor);
  });

  it('refuses a number’s arithmetic on a tensor option', () => {
    defineRule(weighted, {
      kwargs: schema,
      rrule: (cfg, { w }, x) => [
        cfg.xp.multiply(w, x),
        // @ts-expect-error w is a tensor or a number: `w * 2 / 2` is NaN for a tensor
        (dy) => ({ args: [cfg.xp.multiply(dy, (w * 2) / 2)], kwargs: new Tangent({ w: tfSum(tfMul(dy, x)) }) }),
      ],
    });
  });

  it('keeps a rule over Differentiable engine-neutral: a TF.js operation does not fit it', () => {
    function scaled<T extends Differentiable>(x: T, _o: { w?: number | Widen<T> } = {}): Widen<T> {
      return x as never;
    }
    defineRule(scaled, {
      kwargs: schema,
      rrule: (cfg, { w }, x) => {
        expectTypeOf(w).toEqualTypeOf<AbstractArray | number>();
        return [
          cfg.xp.multiply(w, x),
          (dy) => {
            // @ts-expect-error a TF.js reduction takes TF.js tensors; the rule also runs on jax-js arrays and numbers
            const viaTf = tfSum(cfg.xp.multiply(dy, x));
            void viaTf;
            return { args: [cfg.xp.multiply(dy, w)], kwargs: new Tangent({ w: cfg.xp.sum(cfg.xp.multiply(dy, x)) }) };
          },
        ];
      },
    });
  });
});
