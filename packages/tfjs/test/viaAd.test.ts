import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, defineRule, installAdapter, isTangent } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { tfjsAdapter, tfjsConfig } from '../src/index';

const v = (x: unknown): number[] => Array.from((x as tf.Tensor).dataSync());
const viaAd = tfjsConfig.rruleViaAd!;

let uninstall: () => void;
beforeAll(() => {
  uninstall = installAdapter(tfjsAdapter);
});
afterAll(() => uninstall());

describe('tfjsConfig.rruleViaAd: TF.js pullbacks of a function a rule was handed', () => {
  it('pulls back through tensors, numbers and an options object (its Tangent in its slot), any number of times', () => {
    tf.tidy(() => {
      const f = (x: tf.Tensor, k: number, o: { c: tf.Tensor; n: tf.Tensor; mode: string }) => tf.mul(tf.mul(tf.sin(x), o.c), k);
      const x = tf.tensor1d([0.3, -1.1]);
      const o = { c: tf.scalar(2), n: tf.scalar(3, 'int32'), mode: 'sum' };
      const [y, pullback] = viaAd(f as never, x, 1.5, o);
      expect(v(y)).toEqual(v(tf.mul(tf.mul(tf.sin(x), 2), 1.5)));
      for (const w of [tf.tensor1d([1, 2]), tf.tensor1d([-1, 0.5])]) {
        const [self, dx, dk, dkw] = pullback(w);
        expect(self).toBe(NoTangent);
        v(dx).forEach((g, i) => expect(g).toBeCloseTo(v(w)[i]! * 3 * Math.cos(v(x)[i]!), 5));
        const expectedK = v(w).reduce((sum, wi, i) => sum + wi * 2 * Math.sin(v(x)[i]!), 0);
        expect(dk as number).toBeCloseTo(expectedK, 5);
        expect(isTangent(dkw)).toBe(true);
        const t = dkw as Tangent;
        expect(v(t.get('c'))[0]).toBeCloseTo(v(w).reduce((sum, wi, i) => sum + wi * 1.5 * Math.sin(v(x)[i]!), 0), 5);
        expect([t.get('n'), t.get('mode')]).toEqual([NoTangent, NoTangent]);
      }
    });
  });

  it('gives a tensor passed twice a gradient per slot, and an input the output does not reach ZeroTangent', () => {
    tf.tidy(() => {
      const a = tf.scalar(3);
      const [, pullback] = viaAd(((p: tf.Tensor, q: tf.Tensor, _unused: tf.Tensor) => tf.mul(tf.square(p), q)) as never, a, a, tf.scalar(1));
      const [, dp, dq, du] = pullback(tf.scalar(1));
      expect([v(dp)[0], v(dq)[0]]).toEqual([18, 9]);
      expect(du).toBe(ZeroTangent);
      expect(pullback(ZeroTangent).slice(1)).toEqual([ZeroTangent, ZeroTangent, ZeroTangent]);
    });
  });

  it('leaks no tensor: tf.memory().numTensors is flat over 1000 calls (values and cotangents disposed by the caller)', () => {
    const x = tf.tensor1d([0.5, 1.5, -2]);
    const c = tf.scalar(0.7);
    const w = tf.tensor1d([1, -1, 2]);
    const once = () => {
      const [y, pullback] = viaAd(((p: tf.Tensor, o: { c: tf.Tensor }) => tf.tanh(tf.mul(p, o.c))) as never, x, { c });
      const [, dx, dkw] = pullback(w);
      const again = pullback(w);
      tf.dispose([y as tf.Tensor, dx as tf.Tensor, (dkw as Tangent).get('c') as tf.Tensor, again[1] as tf.Tensor, (again[2] as Tangent).get('c') as tf.Tensor]);
    };
    once();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) once();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c, w]);
  });
});

// A rule that hands its function to the engine: apply(g, x, { c }) = g(x, c).
let pullbacks = 0;
const apply = defineRule((g: (x: tf.Tensor, c: tf.Tensor) => tf.Tensor, x: tf.Tensor, _o: { c: tf.Tensor }) => g(x, _o.c), {
  name: 'apply',
  staticArgs: [0],
  rrule: (cfg: RuleConfig, _opts, g, x, o) => {
    const [y, back] = cfg.rruleViaAd!(g as never, x, o.c);
    return [y as tf.Tensor, (dy) => {
      pullbacks++;
      const [, dx, dc] = back(dy);
      return { args: [NoTangent, dx as tf.Tensor, new Tangent({ c: dc as tf.Tensor })] as never };
    }];
  },
});
// A rule-aware function inside g: its own rule runs inside the pullback's gradient.
let cubeRules = 0;
const cube = defineRule((x: tf.Tensor) => tf.pow(x, 3), {
  name: 'cube',
  rrule: (_cfg, _opts, x) => {
    cubeRules++;
    return [tf.pow(x, 3), (dy) => ({ args: [tf.mul(tf.mul(dy as tf.Tensor, 3), tf.square(x))] })];
  },
});

describe('a rule that calls rruleViaAd, under tf.grad', () => {
  it('gives the gradient of the function it was handed, with a rule inside it run by the nested gradient', () => {
    tf.tidy(() => {
      const g = (x: tf.Tensor, c: tf.Tensor) => tf.mul(cube(x), c);
      const [dx, dc] = tf.grads((x: tf.Tensor, c: tf.Tensor) => tf.sum(apply(g, x, { c })))([tf.tensor1d([1, 2]), tf.scalar(0.5)]);
      expect(v(dx)).toEqual([1.5, 6]);
      expect(v(dc)).toEqual([9]);
      expect(pullbacks).toBeGreaterThan(0);
      expect(cubeRules).toBeGreaterThan(0);
    });
  });

  it('is right to second order: tf.grad(tf.grad(…)) through the rule', () => {
    tf.tidy(() => {
      const g = (x: tf.Tensor, c: tf.Tensor) => tf.mul(tf.sin(x), c);
      // d/dx [c·cos x] = −c·sin x
      const second = tf.grad((x: tf.Tensor) => tf.grad((z: tf.Tensor) => apply(g, z, { c: tf.scalar(2) }))(x))(tf.scalar(0.7));
      expect(v(second)[0]).toBeCloseTo(-2 * Math.sin(0.7), 5);
    });
  });

  it('second order: the pullback is the partial vjp of the function, even where the rule computed one of its inputs from another', () => {
    // cubed(g, x) = g(x², x) with g(u, v) = u·v, so cubed = x³. The rule hands the engine u = x²,
    // computed from x inside the rule, which at second order TF.js records: the vjp must still
    // give ∂g/∂v = u (x²), not the total derivative through u (3x², which made cubed′ = 5x²).
    const cubed = defineRule((g: (u: tf.Tensor, v: tf.Tensor) => tf.Tensor, x: tf.Tensor) => g(tf.square(x), x), {
      name: 'cubed',
      staticArgs: [0],
      rrule: (cfg: RuleConfig, _opts, g, x) => {
        const u = tf.square(x);
        const [y, back] = cfg.rruleViaAd!(g as never, u, x);
        return [y as tf.Tensor, (dy) => {
          const [, du, dv] = back(dy) as [unknown, tf.Tensor, tf.Tensor];
          return { args: [NoTangent, tf.add(tf.mul(du, tf.mul(2, x)), dv)] as never };
        }];
      },
    });
    tf.tidy(() => {
      const g = (u: tf.Tensor, v: tf.Tensor) => tf.mul(u, v);
      expect(v(tf.grad((x: tf.Tensor) => cubed(g, x))(tf.scalar(0.7)))[0]).toBeCloseTo(3 * 0.49, 5);
      const second = tf.grad((x: tf.Tensor) => tf.grad((z: tf.Tensor) => cubed(g, z))(x))(tf.scalar(0.7));
      expect(v(second)[0]).toBeCloseTo(6 * 0.7, 4);
    });
  });

  it('works inside a rule’s forward pass (a pullback a rule takes before returning, as a root finder’s slope)', () => {
    // slopeTimes(g, x, { c }) = g(x, c) with the rule reading ∂g/∂x at x in its forward pass.
    let slope: number[] = [];
    const slopeTimes = defineRule((g: (x: tf.Tensor, c: tf.Tensor) => tf.Tensor, x: tf.Tensor, o: { c: tf.Tensor }) => g(x, o.c), {
      name: 'slopeTimes',
      staticArgs: [0],
      rrule: (cfg: RuleConfig, _opts, g, x, o) => {
        const [y, back] = cfg.rruleViaAd!(g as never, x, o.c);
        const dydx = back(tf.onesLike(y as tf.Tensor))[1] as tf.Tensor;
        slope = v(dydx);
        return [y as tf.Tensor, (dy) => ({ args: [NoTangent, tf.mul(dy as tf.Tensor, dydx), new Tangent({ c: back(dy)[2] as tf.Tensor })] as never })];
      },
    });
    tf.tidy(() => {
      const g = (x: tf.Tensor, c: tf.Tensor) => tf.mul(tf.square(x), c);
      const before = tf.memory().numTensors;
      const [dx] = tf.grads((x: tf.Tensor) => tf.sum(slopeTimes(g, x, { c: tf.scalar(3) })))([tf.tensor1d([1, 2])]);
      expect(slope).toEqual([6, 12]); // was [0, 0]: TF.js records nothing inside a kernel, so the vjp found no path
      expect(v(dx)).toEqual([6, 12]);
      expect(tf.memory().numTensors).toBeLessThanOrEqual(before + 4);
    });
  });

  it('leaks nothing through 1000 gradients', () => {
    const g = (x: tf.Tensor, c: tf.Tensor) => tf.mul(tf.sin(x), c);
    const x = tf.tensor1d([0.1, 0.2, 0.3]);
    const c = tf.scalar(1.5);
    const step = () => tf.dispose(tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(apply(g, p, { c: q })))([x, c]));
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, c]);
  });
});
