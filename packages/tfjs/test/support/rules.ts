/*
 * Rules for the adapter's own tests, each counting its calls so that a test can prove the rule
 * (not TF.js's own autodiff of the plain function) produced the gradient.
 */
import * as tf from '@tensorflow/tfjs';
import { z } from 'zod';
import { Tangent, ZeroTangent, defineRule, kw, namespaceOf, thunk } from '@chainrules/core';
import { countRuns, foo } from '@chainrules/testing/fixtures';
import type { FixtureRuns } from '@chainrules/testing/fixtures';

export interface Counts {
  impl: number;
  rrule: number;
  pullback: number;
}
const fresh = (): Counts => ({ impl: 0, rrule: 0, pullback: 0 });
const own = { gauss: fresh(), bad: fresh(), flaky: fresh(), scaled: fresh() };
/** The seed is the shared fixture `foo`: its runs come from a counter of @chainrules/testing. */
const fooRuns = countRuns(foo);
export const counts = {
  ...own,
  /** The seed's runs since the last reset (it has an frule too, which TF.js never runs). */
  get foo(): FixtureRuns {
    return fooRuns.runs;
  },
};
export function resetCounts(): void {
  for (const c of Object.values(own)) Object.assign(c, fresh());
  fooRuns.reset();
}

export { foo };

type V = any;

/**
 * gauss(x, { pos, sigma, prior: { weight }, label }) = weight · exp(−(x − pos)² / (2σ²)):
 * nested differentiable options, a static string, thunked cotangents.
 */
export const gauss = defineRule(
  (x: V, { pos = 0, sigma = 1, prior = {} }: { pos?: V; sigma?: V; prior?: { weight?: V }; label?: string } = {}): V => {
    counts.gauss.impl++;
    const weight = prior.weight ?? 1;
    const xp = namespaceOf(x, pos, sigma, weight);
    const z = xp.divide(xp.subtract(x, pos), sigma);
    return xp.multiply(weight, xp.exp(xp.multiply(-0.5, xp.square(z))));
  },
  {
    name: 'gauss',
    kwargs: z.object({
      pos: kw.diff().default(0),
      sigma: kw.diff().default(1),
      prior: z.object({ weight: kw.diff().default(1) }).default({ weight: 1 }),
      label: z.string().optional(),
    }),
    rrule: (cfg, { pos, sigma, prior }, x) => {
      counts.gauss.rrule++;
      const { xp } = cfg;
      const z = xp.divide(xp.subtract(x, pos), sigma);
      const e = xp.exp(xp.multiply(-0.5, xp.square(z)));
      const y = xp.multiply(prior.weight, e);
      return [
        y,
        (dy) => {
          counts.gauss.pullback++;
          const dpos = () => xp.divide(xp.multiply(xp.multiply(dy, y), z), sigma); // ȳ·∂y/∂pos = ȳ·y·z/σ = −ȳ·∂y/∂x
          return {
            args: [thunk(() => xp.negative(dpos()))],
            kwargs: new Tangent({
              pos: thunk(dpos) as V,
              sigma: thunk(() => xp.divide(xp.multiply(xp.multiply(dy, y), xp.square(z)), sigma)) as V,
              prior: new Tangent({ weight: thunk(() => xp.multiply(dy, e)) as V }) as V,
            }) as V,
          };
        },
      ];
    },
  },
);

/** bad(x, { shape }) returns a cotangent of `shape` for x: for wrong-shape and broadcasting tests. */
export const bad = defineRule(
  (x: V, _opts: { shape?: number[]; kind?: 'tensor' | 'zero' | 'number' | 'int' } = {}): V => {
    counts.bad.impl++;
    return namespaceOf(x).multiply(2, x);
  },
  {
    name: 'bad',
    kwargs: z.object({ shape: z.array(z.number()).optional(), kind: z.enum(['tensor', 'zero', 'number', 'int']).default('tensor') }),
    rrule: (cfg, { shape, kind }, x) => {
      counts.bad.rrule++;
      return [
        cfg.xp.multiply(2, x),
        (dy) => {
          counts.bad.pullback++;
          const s = shape ?? (x as tf.Tensor).shape;
          const g = kind === 'zero' ? ZeroTangent : kind === 'number' ? 5 : kind === 'int' ? tf.fill(s, 3, 'int32') : tf.mul(tf.sum(dy as tf.Tensor), tf.fill(s, 2));
          return { args: [g as V] };
        },
      ];
    },
  },
);

/** flaky(x): x², whose pullback throws on every `every`-th call (when `every` is set). */
export const flaky = { every: 0 };
export const square = defineRule(
  (x: V): V => {
    counts.flaky.impl++;
    return namespaceOf(x).square(x);
  },
  {
    name: 'square',
    rrule: (cfg, _opts, x) => {
      counts.flaky.rrule++;
      const { xp } = cfg;
      return [
        xp.square(x),
        (dy) => {
          counts.flaky.pullback++;
          if (flaky.every > 0 && counts.flaky.pullback % flaky.every === 0) throw new Error('flaky pullback');
          return { args: [xp.multiply(dy, xp.multiply(2, x))] };
        },
      ];
    },
  },
);

/** scaled(x, { k }) = k·x with an int tensor k (static): k must reach the rule, and get no gradient. */
export const scaled = defineRule(
  (x: V, { k }: { k: V }): V => {
    counts.scaled.impl++;
    return namespaceOf(x).multiply(x, tf.cast(k as unknown as tf.Tensor, 'float32'));
  },
  {
    name: 'scaled',
    kwargs: z.object({ k: kw.diff() }),
    rrule: (cfg, { k }, x) => {
      counts.scaled.rrule++;
      const kf = tf.cast(k as unknown as tf.Tensor, 'float32');
      return [
        cfg.xp.multiply(x, kf),
        (dy) => {
          counts.scaled.pullback++;
          return { args: [cfg.xp.multiply(dy, kf)], kwargs: new Tangent({ k: ZeroTangent }) as V };
        },
      ];
    },
  },
);
