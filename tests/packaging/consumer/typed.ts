// A TypeScript project outside the repository, with the tsconfig docs/installing.md gives
// (skipLibCheck for the engines' own typings): a rule, both adapters and a shipped rule compile.
import { z } from 'zod';
import * as tf from '@tensorflow/tfjs';
import { grad, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { Tangent, defineRule, installAdapter, kw, kwcall, rrule } from '@chainrules/core';
import { tfjsAdapter } from '@chainrules/tfjs';
import { jaxAdapter } from '@chainrules/jax';
import { gaussian } from '@chainrules/rules';
import { testRrule } from '@chainrules/testing';

export const foo = defineRule((a: number, b: number, { c = 42 }: { c?: number } = {}) => a * b * c, {
  name: 'foo',
  kwargs: z.object({ c: kw.diff<number>().default(42) }),
  rrule: (_cfg, { c }, a, b) => [a * b * c, (dy) => ({ args: [dy * b * c, dy * a * c], kwargs: new Tangent({ c: dy * a * b }) })],
});

installAdapter(tfjsAdapter);
installAdapter(jaxAdapter);
const pullback: ((dy: number) => unknown) | undefined = rrule(kwcall, { c: 3 }, foo, 2, 3)?.[1];
testRrule(foo, [2, 3], { kwargs: { c: 3 } });
export const fromTfjs: tf.Tensor = tf.grad((x: tf.Tensor) => gaussian(x, { sigma: 2 }) as tf.Tensor)(tf.scalar(0.5));
export const fromJax = grad((x: JaxArray) => np.sum(gaussian(x, { sigma: 2 })))(np.array([0.5]));
export { pullback };
