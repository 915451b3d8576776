/**
 * The seed rule the benchmarks share, foo(a, b, { c = 42 }) = a·b·c, written once for every
 * engine: an rrule the way the TF.js adapter rewards (cotangents as thunks, so that TF.js asks
 * only for those it needs; a residual of the forward pass reused), an frule for jax-js; and
 * the same rule written by hand with `tf.customGrad`, the baseline the TF.js adapter is held to.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { Tangent, add, defineRule, kw, namespaceOf, scale, thunk } from '@chainrules/core';

type V = any;
type T = tf.Tensor;

export const foo = defineRule(
  (a: V, b: V, { c = 42 }: { c?: V } = {}): V => {
    const xp = namespaceOf(a, b, c);
    return xp.multiply(xp.multiply(a, b), c);
  },
  {
    name: 'foo',
    kwargs: z.object({ c: kw.diff().default(42) }),
    rrule: (cfg, { c }, a, b) => {
      const { xp } = cfg;
      const ab = xp.multiply(a, b);
      return [
        xp.multiply(ab, c),
        (dy) => ({
          args: [thunk(() => xp.multiply(xp.multiply(dy, b), c)), thunk(() => xp.multiply(xp.multiply(dy, a), c))],
          kwargs: new Tangent({ c: thunk(() => xp.multiply(dy, ab)) }),
        }),
      ];
    },
    frule: (cfg, { args: [da, db], kwargs: dkw }, { c }, a, b) => {
      const { xp } = cfg;
      return [xp.multiply(xp.multiply(a, b), c), add(add(scale(xp.multiply(b, c), da), scale(xp.multiply(a, c), db)), scale(xp.multiply(a, b), dkw.get('c')))];
    },
  },
);

/** The seed's rule written by hand with tf.customGrad (same math as foo's rrule). */
export const fooCustom = tf.customGrad((a, b, c, save) => {
  const [ta, tb, tc] = [a as T, b as T, c as T];
  const ab = tf.mul(ta, tb);
  (save as tf.GradSaveFunc)([ta, tb, tc, ab]);
  return {
    value: tf.mul(ab, tc),
    gradFunc: (dy, saved) => {
      const [sa, sb, sc, sab] = saved as T[];
      return [tf.mul(tf.mul(dy as T, sb!), sc!), tf.mul(tf.mul(dy as T, sa!), sc!), tf.sum(tf.mul(dy as T, sab!))];
    },
  };
});
