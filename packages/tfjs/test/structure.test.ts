import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Tangent, ZeroTangent, defineRule, isNoTangent, isTangent, isZero, kw, namespaceOf, unthunk } from '@chainrules/core';
import { tfjsAdapter } from '../src/index';
import { installAdapterForFile } from './support/setup';

/*
 * Rules with several outputs and record arguments on TF.js: one tape node per call with one
 * output per tensor, ZeroTangent for an output the loss does not use, NoTangent for int
 * tensors and plain values, higher order, tf.variableGrads over a record of variables, and no
 * tensor left behind over a thousand steps or after a pullback that throws.
 */

installAdapterForFile();

type V = any;

const counts = { split: { impl: 0, rrule: 0, pullback: 0 }, predict: { impl: 0, rrule: 0, pullback: 0 } };
const reset = (): void => {
  for (const c of Object.values(counts)) Object.assign(c, { impl: 0, rrule: 0, pullback: 0 });
  received.length = 0;
  split.failNext = false;
};
/** What each pullback of `split` got per output: 'NoTangent', 'ZeroTangent' or 'value'. */
const received: Record<string, string>[] = [];
const kind = (t: unknown): string => (isNoTangent(t) ? 'NoTangent' : isZero(t) ? 'ZeroTangent' : 'value');
const part = (dy: unknown, key: string): unknown => (isTangent(dy) ? unthunk(dy.get(key)) : ZeroTangent);
const times = (xp: { multiply(a: V, b: V): V }, k: V, t: unknown): unknown => (isZero(t) ? ZeroTangent : xp.multiply(k, t));

/**
 * splitImpl(x, { c }) = { value: c·sin(x), aux: x², mask: int32 (x > 0), n: the size of x }: two
 * float outputs, an int32 tensor and a plain number.
 */
const splitRule = defineRule(
  (x: V, { c = 1 }: { c?: V } = {}) => {
    counts.split.impl++;
    const xp = namespaceOf(x, c);
    return { value: xp.multiply(c, xp.sin(x)), aux: xp.square(x), mask: tf.cast(xp.greater(x, 0), 'int32'), n: (x as tf.Tensor).size };
  },
  {
    name: 'split',
    kwargs: z.object({ c: kw.diff().default(1) }),
    rrule: (cfg, { c }, x) => {
      counts.split.rrule++;
      const { xp } = cfg;
      const s = xp.sin(x);
      return [
        { value: xp.multiply(c, s), aux: xp.square(x), mask: tf.cast(xp.greater(x, 0) as tf.Tensor, 'int32'), n: (x as tf.Tensor).size },
        (dy) => {
          counts.split.pullback++;
          received.push(Object.fromEntries(['value', 'aux', 'mask', 'n'].map((key) => [key, kind(part(dy, key))])));
          if (split.failNext) throw new Error('failing pullback');
          const [dv, da] = [part(dy, 'value'), part(dy, 'aux')];
          const dx = [times(xp, xp.multiply(c, xp.cos(x)), dv), times(xp, xp.multiply(2, x), da)].filter((t) => !isZero(t));
          return {
            args: [(dx.length === 0 ? ZeroTangent : dx.length === 1 ? dx[0] : xp.add(dx[0] as V, dx[1] as V)) as V],
            kwargs: new Tangent({ c: times(xp, s, dv) as V }),
          };
        },
      ];
    },
  },
);
const split = Object.assign(splitRule, { failNext: false });

/** predict(params, x) = params.w·x + params.b, with `params` a record of tensors. */
const predict = defineRule(
  (params: { w: V; b: V }, x: V): V => {
    counts.predict.impl++;
    const xp = namespaceOf(params.w, params.b, x);
    return xp.add(xp.multiply(params.w, x), params.b);
  },
  {
    name: 'predict',
    rrule: (cfg, _opts, params, x) => {
      counts.predict.rrule++;
      const { xp } = cfg;
      return [
        xp.add(xp.multiply(params.w, x), params.b),
        (dy) => {
          counts.predict.pullback++;
          return { args: [new Tangent({ w: xp.multiply(dy, x), b: dy }) as never, xp.multiply(dy, params.w)] };
        },
      ];
    },
  },
);

const X = [0.5, -1, 2];
const read = (t: tf.Tensor): number[] => Array.from(t.dataSync());
const close = (actual: number[], expected: number[], digits = 4): void => {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, digits));
};

describe('rules with several outputs on TF.js', () => {
  it('one tape node: the int32 output and the count pass through; each float output gets its cotangent, an unused one ZeroTangent, the others NoTangent', () => {
    reset();
    let seen: { mask?: tf.Tensor; n?: unknown; tape?: number } = {};
    const [gx, gc] = tf.tidy(() =>
      tf.grads((x: tf.Tensor, c: tf.Tensor) => {
        const out = split(x, { c }) as { value: tf.Tensor; aux: tf.Tensor; mask: tf.Tensor; n: number };
        seen = { mask: out.mask, n: out.n };
        expect(out.mask.dtype).toBe('int32');
        return tf.add(tf.sum(tf.mul(tf.tensor(X), out.value)), tf.sum(tf.mul(tf.cast(out.mask, 'float32'), out.aux)));
      })([tf.tensor(X), tf.scalar(3)]),
    );
    expect(seen.n).toBe(3);
    // x̄ = w·c·cos x + mask·2x (w = X), c̄ = Σ w·sin x.
    close(read(gx!), X.map((x) => x * 3 * Math.cos(x) + (x > 0 ? 2 * x : 0)));
    close(read(gc!), [X.reduce((sum, x) => sum + x * Math.sin(x), 0)]);
    expect(counts.split).toEqual({ impl: 0, rrule: 1, pullback: 1 });
    expect(received).toEqual([{ value: 'value', aux: 'value', mask: 'NoTangent', n: 'NoTangent' }]);
    tf.dispose([gx!, gc!]);

    reset();
    const g = tf.tidy(() => read(tf.grad((x: tf.Tensor) => tf.sum((split(x) as { aux: tf.Tensor }).aux))(tf.tensor(X))));
    close(g, X.map((x) => 2 * x));
    expect(received).toEqual([{ value: 'ZeroTangent', aux: 'value', mask: 'NoTangent', n: 'NoTangent' }]);
  });

  it('edge outputs: one tensor returned twice, an input returned as an output, and no tensor at all', () => {
    let pullbacks = 0;
    // twice(x) = [y, y, x] for y = 2x: one tensor in two outputs, and the input itself as the third.
    const twice = defineRule((x: V) => [tf.mul(x, 2), tf.mul(x, 2), x], {
      name: 'twice',
      rrule: (cfg, _opts, x) => {
        const y = cfg.xp.multiply(2, x);
        return [
          [y, y, x],
          (dy) => {
            pullbacks++;
            const [d0, d1, d2] = [0, 1, 2].map((k) => (isTangent(dy) ? unthunk(dy.get(k)) : ZeroTangent));
            const parts = [times(cfg.xp, 2, d0), times(cfg.xp, 2, d1), d2].filter((t) => !isZero(t)) as tf.Tensor[];
            return { args: [parts.reduce((a, b) => tf.add(a, b)) as V] };
          },
        ];
      },
    });
    const before = tf.memory().numTensors;
    const g = tf.tidy(() =>
      read(tf.grad((x: tf.Tensor) => {
        const [a, b, c] = twice(x) as tf.Tensor[];
        expect(a).not.toBe(b);
        expect(c).not.toBe(x);
        return tf.sum(tf.add(tf.add(a!, tf.mul(b!, 10)), tf.mul(c!, 100)));
      })(tf.tensor([1, 2]))),
    );
    expect(g).toEqual([122, 122]);
    expect(pullbacks).toBe(1);
    // A rule whose output holds no tensor: nothing to record, its values come back as they are.
    const counted = defineRule((x: V) => ({ n: (x as tf.Tensor).size, label: 'n' }), {
      name: 'counted',
      rrule: (_cfg, _opts, x) => [{ n: (x as tf.Tensor).size, label: 'n' }, () => ({ args: [ZeroTangent as V] })],
    });
    const h = tf.tidy(() =>
      read(tf.grad((x: tf.Tensor) => {
        const out = counted(x) as { n: number; label: string };
        expect(out).toEqual({ n: 2, label: 'n' });
        return tf.sum(tf.mul(x, out.n));
      })(tf.tensor([1, 2]))),
    );
    expect(h).toEqual([2, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('second order through a rule with several outputs: tf.grad of tf.grad, both outputs used and one alone', () => {
    reset();
    const loss = (x: tf.Tensor): tf.Tensor => {
      const { value, aux } = split(x, { c: 3 }) as { value: tf.Tensor; aux: tf.Tensor };
      return tf.add(value, aux);
    };
    const x = 0.7;
    const d2 = tf.tidy(() => read(tf.grad((v: tf.Tensor) => tf.grad(loss)(v))(tf.scalar(x))));
    close(d2, [-3 * Math.sin(x) + 2]);
    expect(counts.split.impl).toBe(0);
    const d3 = tf.tidy(() => read(tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => tf.grad(loss)(u))(v))(tf.scalar(x))));
    close(d3, [-3 * Math.cos(x)]);
    const alone = tf.tidy(() => read(tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => (split(u, { c: 3 }) as { value: tf.Tensor }).value)(v))(tf.scalar(x))));
    close(alone, [-3 * Math.sin(x)]);
    expect(counts.split.impl).toBe(0);
    expect(received.some((r) => r.aux === 'ZeroTangent')).toBe(true);
  });
});

describe('record arguments on TF.js', () => {
  it('tf.variableGrads over a record of tf.variables runs the rule; the gradients are those of the plain function', () => {
    reset();
    const params = { w: tf.variable(tf.tensor([1, 2, 3]), true, 'structure-w'), b: tf.variable(tf.scalar(0.5), true, 'structure-b') };
    const [x, target] = [tf.tensor([0.5, -1, 2]), tf.tensor([1, 0, 2])];
    const viaRule = tf.variableGrads(() => tf.sum(tf.square(tf.sub(predict(params, x), target))) as tf.Scalar);
    expect(counts.predict).toMatchObject({ impl: 0, rrule: 1, pullback: 1 });
    const plain = tf.variableGrads(() => tf.sum(tf.square(tf.sub(tf.add(tf.mul(params.w, x), params.b), target))) as tf.Scalar);
    expect(Object.keys(viaRule.grads).sort()).toEqual(['structure-b', 'structure-w']);
    for (const name of ['structure-w', 'structure-b']) close(read(viaRule.grads[name]!), read(plain.grads[name]!));
    close(read(viaRule.value), read(plain.value));
    // An optimizer steps through the rule as well.
    reset();
    const sgd = tf.train.sgd(0.05);
    for (let i = 0; i < 3; i++) sgd.minimize(() => tf.sum(tf.square(tf.sub(predict(params, x), target))) as tf.Scalar);
    expect(counts.predict.rrule).toBe(3);
    expect(counts.predict.impl).toBe(0);
    tf.dispose([viaRule.value, plain.value, ...Object.values(viaRule.grads), ...Object.values(plain.grads), params.w, params.b, x, target]);
    sgd.dispose();
  });
});

describe('no leaks with several outputs', () => {
  const STEPS = 1000;

  it(`${STEPS} gradient steps through a rule with several outputs, fresh inputs each step: tf.memory().numTensors is flat`, async () => {
    reset();
    const step = (i: number): void => {
      const [x, c] = [tf.tensor([0.5 + i / STEPS, -1, 2]), tf.scalar(3)];
      const grads = tf.grads((xx: tf.Tensor, cc: tf.Tensor) => {
        const { value, aux } = split(xx, { c: cc }) as { value: tf.Tensor; aux: tf.Tensor };
        return tf.add(tf.sum(value), tf.sum(i % 2 === 0 ? aux : tf.mul(aux, 0)));
      })([x, c]);
      tf.dispose([...grads, x, c]);
    };
    step(0); // warm-up: TF.js makes its own constants once
    const before = tf.memory().numTensors;
    const start = performance.now();
    for (let i = 0; i < STEPS; i++) step(i);
    const ms = performance.now() - start;
    await Promise.resolve();
    const after = tf.memory().numTensors;
    console.info(`several outputs, first order: ${STEPS} steps, numTensors ${before} → ${after}, ${ms.toFixed(0)} ms`);
    expect(after).toBe(before);
    expect(counts.split.rrule).toBe(STEPS + 1);
    expect(counts.split.impl).toBe(0);
  });

  it('second order through a rule with several outputs, 200 steps: flat', async () => {
    const step = (): void => {
      const x = tf.scalar(0.7);
      tf.grad((v: tf.Tensor) => tf.grad((u: tf.Tensor) => {
        const { value, aux } = split(u, { c: 3 }) as { value: tf.Tensor; aux: tf.Tensor };
        return tf.add(value, aux);
      })(v))(x).dispose();
      x.dispose();
    };
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 200; i++) step();
    await Promise.resolve();
    const after = tf.memory().numTensors;
    console.info(`several outputs, second order: 200 steps, numTensors ${before} → ${after}`);
    expect(after).toBe(before);
  });

  it('a pullback that throws: the error reaches the caller, nothing is left behind, and the next gradient is right', async () => {
    reset();
    const x = tf.tensor(X);
    const loss = (v: tf.Tensor): tf.Tensor => {
      const { value, aux } = split(v, { c: 3 }) as { value: tf.Tensor; aux: tf.Tensor };
      return tf.add(tf.sum(value), tf.sum(aux));
    };
    const w = tf.variable(tf.tensor(X), true, 'structure-failing');
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      split.failNext = true;
      expect(() => tf.grad(loss)(x)).toThrow('failing pullback');
      split.failNext = true;
      // Outside tf.tidy, as optimizers call it: the loss TF.js never hands back is released too.
      expect(() => tf.variableGrads(() => loss(w) as tf.Scalar, [w])).toThrow('failing pullback');
    }
    split.failNext = false;
    await Promise.resolve();
    expect(tf.memory().numTensors).toBe(before);
    expect(tfjsAdapter.isDifferentiating?.()).toBe(false);
    expect(counts.split.pullback).toBe(100);
    const g = tf.tidy(() => read(tf.grad(loss)(x)));
    close(g, X.map((v) => 3 * Math.cos(v) + 2 * v));
    tf.dispose([x, w]);
  });
});
