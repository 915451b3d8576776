import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NoTangent, Tangent, defineRule, installAdapter, installedAdapters, isRuleError, namespaceOf, thunk, unthunk } from '@chainrules/core';
import type { RuleError } from '@chainrules/core';
import { releaseAbandonedTapes, tfjsAdapter, tfjsConfig } from '../src/index';
import { bad, counts, flaky, foo, gauss, resetCounts, scaled, square } from './support/rules';

const v = (x: tf.Tensor): number[] => Array.from(x.dataSync());
const s = (x: number) => tf.scalar(x);
const errorOf = (f: () => unknown): RuleError => {
  try {
    f();
  } catch (error) {
    if (isRuleError(error)) return error;
    throw error;
  }
  throw new Error('expected a RuleError, none was thrown');
};
const close = (actual: number[], expected: number[], tol = 1e-4) => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(a).toBeCloseTo(expected[i]!, -Math.log10(tol)));
};

let uninstall: () => void;
beforeAll(() => {
  uninstall = installAdapter(tfjsAdapter);
});
afterAll(() => uninstall());
beforeEach(() => {
  resetCounts();
  flaky.every = 0;
});

describe('entry points: the rule drives every TF.js gradient', () => {
  it('tf.grads of foo(a, b, { c }) is [9, 6, 6], from the rule', () => {
    const g = tf.grads((a, b, c) => foo(a, b, { c }))([s(2), s(3), s(3)]);
    expect(g.map((x) => v(x)[0])).toEqual([9, 6, 6]);
    expect(counts.foo).toEqual({ impl: 0, rrule: 1, pullback: 1, frule: 0 });
  });

  it('tf.grad, with c at its default 42 (a constant)', () => {
    const g = tf.grad((a: tf.Tensor) => foo(a, s(3)))(s(2));
    expect(v(g)).toEqual([126]);
    expect(counts.foo).toEqual({ impl: 0, rrule: 1, pullback: 1, frule: 0 });
  });

  it('tf.valueAndGrads gives the value and the gradients', () => {
    const { value, grads } = tf.valueAndGrads((a, b, c) => foo(a, b, { c }))([s(2), s(3), s(4)]);
    expect(v(value)).toEqual([24]);
    expect(grads.map((x) => v(x)[0])).toEqual([12, 8, 6]);
    expect(counts.foo.rrule).toBe(1);
    expect(counts.foo.impl).toBe(0);
  });

  it('tf.variableGrads: a variable in the options gets its gradient', () => {
    const a = tf.variable(s(2));
    const c = tf.variable(s(5));
    const { value, grads } = tf.variableGrads(() => foo(a, s(3), { c }) as tf.Scalar, [a, c]);
    expect(v(value)).toEqual([30]);
    expect(v(grads[a.name]!)).toEqual([15]);
    expect(v(grads[c.name]!)).toEqual([6]);
    expect(counts.foo).toEqual({ impl: 0, rrule: 1, pullback: 1, frule: 0 });
    a.dispose();
    c.dispose();
  });

  it("an optimizer's minimize steps along the rule's gradient", () => {
    const c = tf.variable(s(1));
    const optimizer = tf.train.sgd(0.1);
    // loss = (foo(2, 3, { c }) − 12)² = (6c − 12)²: d/dc = 12·(6c − 12) = −72 at c = 1.
    optimizer.minimize(() => tf.square(tf.sub(foo(s(2), s(3), { c }), 12)) as tf.Scalar, false, [c]);
    expect(v(c)[0]).toBeCloseTo(1 + 7.2, 4);
    expect(counts.foo).toEqual({ impl: 0, rrule: 1, pullback: 1, frule: 0 });
    optimizer.dispose();
    c.dispose();
  });

  it('outside any gradient the plain function runs and no rule is called', () => {
    const y = foo(s(2), s(3), { c: s(4) });
    expect(v(y)).toEqual([24]);
    expect(counts.foo).toEqual({ impl: 1, rrule: 0, pullback: 0, frule: 0 });
    expect(tfjsAdapter.isDifferentiating?.()).toBe(false);
    tf.tidy(() => foo(s(2), s(3)));
    expect(counts.foo.rrule).toBe(0);
  });

  it('wrap(f) hands the call to TF.js without installAdapter', () => {
    uninstall();
    try {
      const wrapped = tfjsAdapter.wrap(foo);
      const g = tf.grads((a, b, c) => wrapped(a, b, { c }))([s(2), s(3), s(3)]);
      expect(g.map((x) => v(x)[0])).toEqual([9, 6, 6]);
      expect(counts.foo).toEqual({ impl: 0, rrule: 1, pullback: 1, frule: 0 });
      // Second order too: the backward pass (which runs the rule again) has the adapter installed.
      const d2 = tf.grad((a: tf.Tensor) => tf.grad((b: tf.Tensor) => wrapped(b, b, { c: b }))(a))(s(2));
      expect(v(d2)[0]).toBeCloseTo(12, 4);
      expect(installedAdapters()).not.toContain(tfjsAdapter);
      // Without the adapter installed, the unwrapped function does not see the rule.
      resetCounts();
      tf.grad((a: tf.Tensor) => tf.mul(a, 2))(s(1));
      // (its options check refuses a tensor no installed adapter owns in a kw.diff() field)
      expect(() => tf.grad((a: tf.Tensor) => foo(a, s(3), { c: s(1) }))(s(2))).toThrow(/an array of an installed engine/);
      expect(counts.foo.rrule).toBe(0);
    } finally {
      uninstall = installAdapter(tfjsAdapter);
    }
    expect(() => tfjsAdapter.wrap(((x: number) => x) as never)).toThrow(/has no rule/);
  });
});

describe('options as inputs', () => {
  it('a gradient with respect to an option only (c), nothing else tracked', () => {
    const g = tf.grad((c: tf.Tensor) => foo(s(2), s(3), { c }))(s(5));
    expect(v(g)).toEqual([6]);
    expect(counts.foo).toEqual({ impl: 0, rrule: 1, pullback: 1, frule: 0 });
  });

  it('nested option records (prior.weight), next to a static string option, match TF.js’s own autodiff', () => {
    const native = (x: tf.Tensor, pos: tf.Tensor, sigma: tf.Tensor, weight: tf.Tensor) =>
      tf.sum(tf.mul(weight, tf.exp(tf.mul(-0.5, tf.square(tf.div(tf.sub(x, pos), sigma))))));
    const inputs = [tf.tensor([0.5, 1, 2]), s(0.7), s(1.3), s(2)];
    const ours = tf.grads((x, pos, sigma, weight) => tf.sum(gauss(x, { label: 'peak', prior: { weight }, sigma, pos })))(inputs);
    expect(counts.gauss).toEqual({ impl: 0, rrule: 1, pullback: 1 });
    const theirs = tf.grads(native)(inputs);
    ours.forEach((g, i) => close(v(g), v(theirs[i]!)));
  });

  it('a cotangent nobody needs is not computed (thunks stay lazy): grad w.r.t. sigma only', () => {
    const g = tf.grad((sigma: tf.Tensor) => tf.sum(gauss(tf.tensor([0.5, 1]), { pos: s(0), sigma })))(s(1));
    close(v(g), [0.25 * Math.exp(-0.125) + Math.exp(-0.5)]);
    expect(counts.gauss).toEqual({ impl: 0, rrule: 1, pullback: 1 });
  });

  it('int tensors stay static (positional or in a differentiable option) and reach the rule', () => {
    const k = tf.tensor([2, 3], undefined, 'int32');
    const g = tf.grad((x: tf.Tensor) => tf.sum(scaled(x, { k })))(tf.tensor([1, 1]));
    expect(v(g)).toEqual([2, 3]);
    expect(counts.scaled).toEqual({ impl: 0, rrule: 1, pullback: 1 });
    // Created inside the differentiated function (so disposed by TF.js before backprop): still fine.
    const g2 = tf.grad((x: tf.Tensor) => tf.sum(scaled(x, { k: tf.tensor([4, 5], undefined, 'int32') })))(tf.tensor([1, 1]));
    expect(v(g2)).toEqual([4, 5]);
    k.dispose();
  });

  it("a float32 tensor in a static option is a RuleError 'differentiable-in-static' with the rule and slot", async () => {
    const x0 = s(1);
    const before = tf.memory().numTensors;
    // tf.mul saves its inputs on TF.js's tape: the error must not leak them.
    const e = errorOf(() => tf.grad((x: tf.Tensor) => tf.sum(gauss(tf.mul(x, 2), { label: x as never })))(x0));
    await Promise.resolve();
    expect(tf.memory().numTensors).toBe(before);
    expect(e).toMatchObject({ code: 'differentiable-in-static', rule: 'gauss', slot: 'kwargs.label' });
    expect(e.fix).toMatch(/kw\.diff\(\)/);
    const nested = errorOf(() => tf.grad((x: tf.Tensor) => tf.sum(foo(x, x, { mode: { deep: [x] } as never })))(s(1)));
    expect(nested).toMatchObject({ code: 'differentiable-in-static', rule: 'foo', slot: 'kwargs.mode' });
    expect(counts.gauss.rrule + counts.foo.rrule).toBe(0);
  });

  it('a float32 tensor in a positional record is an input: the rule’s Tangent gives its gradient; anything else for a record is an error naming the slot', () => {
    const first = defineRule((r: { x: tf.Tensor }) => tf.mul(r.x, 3), {
      name: 'first',
      rrule: (_cfg, _opts, r) => [tf.mul(r.x, 3), (dy) => ({ args: [new Tangent<{ x: tf.Tensor }>({ x: tf.mul(dy as tf.Tensor, 3) })] })],
    });
    expect(v(tf.grad((x: tf.Tensor) => first({ x }))(s(1)))).toEqual([3]);
    const wrong = defineRule((r: { x: tf.Tensor }) => tf.clone(r.x), { name: 'wrong', rrule: (_cfg, _opts, r) => [tf.clone(r.x), () => ({ args: [0 as never] })] });
    const e = errorOf(() => tf.grad((x: tf.Tensor) => wrong({ x }))(s(1)));
    expect(e).toMatchObject({ code: 'tangent-mismatch', rule: 'wrong', slot: 'args[0]' });
  });

  it('options with __proto__ or constructor keys are refused, and nothing is polluted', () => {
    const polluted = JSON.parse('{"__proto__": {"polluted": 1}, "c": 2}') as { c: number };
    const e = errorOf(() => tf.grad((a: tf.Tensor) => foo(a, a, polluted))(s(1)));
    expect(e).toMatchObject({ code: 'forbidden-option-key', rule: 'foo' });
    const e2 = errorOf(() => tf.grad((a: tf.Tensor) => foo(a, a, { constructor: a } as never))(s(1)));
    expect(e2.code).toMatch(/forbidden-option-key|differentiable-in-static/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(counts.foo.rrule).toBe(0);
  });
});

describe('cotangents projected for TF.js', () => {
  it('a broadcast cotangent is summed back to the input’s shape', () => {
    // bad returns 2·Σȳ in shape [2, 3] for an x of shape [3]: each entry sums two rows.
    const g = tf.grad((x: tf.Tensor) => tf.sum(bad(x, { shape: [2, 3] })))(tf.tensor([1, 2, 3]));
    expect(v(g)).toEqual([12, 12, 12]);
    expect(counts.bad.pullback).toBe(1);
  });

  it('broadcast arguments of the seed get gradients of their own shapes (as TF.js’s own autodiff)', () => {
    const inputs = [tf.tensor([[1, 2, 3], [4, 5, 6]]), tf.tensor([0.5, -1, 2]), s(3)];
    const ours = tf.grads((a, b, c) => tf.sum(foo(a, b, { c })))(inputs);
    const theirs = tf.grads((a, b, c) => tf.sum(tf.mul(tf.mul(a, b), c)))(inputs);
    ours.forEach((g, i) => {
      expect(g.shape).toEqual(inputs[i]!.shape);
      close(v(g), v(theirs[i]!));
    });
    expect(counts.foo.rrule).toBe(1);
  });

  it('zeros, numbers and int tensors become float32 tensors of the input’s shape', () => {
    const x = tf.tensor([1, 2, 3]);
    const zero = tf.grad((x: tf.Tensor) => tf.sum(bad(x, { kind: 'zero' })))(x);
    expect([zero.dtype, v(zero)]).toEqual(['float32', [0, 0, 0]]);
    const number = tf.grad((x: tf.Tensor) => tf.sum(bad(x, { kind: 'number' })))(tf.scalar(1));
    expect([number.dtype, v(number)]).toEqual(['float32', [5]]);
    const int = tf.grad((x: tf.Tensor) => tf.sum(bad(x, { kind: 'int' })))(x);
    expect([int.dtype, v(int)]).toEqual(['float32', [3, 3, 3]]);
    expect(counts.bad.pullback).toBe(3);
  });

  it('a cotangent smaller than its input (a number, a scalar or a [1] tensor for a [3] input) is wrong-shape, never broadcast up', async () => {
    const x = tf.tensor([1, 2, 3]);
    const before = tf.memory().numTensors;
    for (const [kind, shape] of [['number', undefined], ['tensor', []], ['tensor', [1]]] as const) {
      const e = errorOf(() => tf.grad((y: tf.Tensor) => tf.sum(bad(y, { kind, ...(shape === undefined ? {} : { shape: [...shape] }) })))(x));
      expect(e).toMatchObject({ code: 'wrong-shape', rule: 'bad', slot: 'args[0]' });
    }
    await Promise.resolve();
    releaseAbandonedTapes();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('thunks shared between slots (one thunk reading another) survive TF.js’s per-input tidy', () => {
    let evaluations = 0;
    const seen: boolean[] = [];
    const mul = defineRule((x: tf.Tensor, y: tf.Tensor) => tf.mul(x, y), {
      name: 'mul',
      rrule: (cfg, _opts, x, y) => [
        cfg.xp.multiply(x, y),
        (dy) => {
          // Made-up cotangents, broadcast to [3, 2] so that projecting them sums (no shared data).
          const shared = thunk(() => (evaluations++, cfg.xp.multiply(tf.ones([3, 1]), cfg.xp.multiply(dy, cfg.xp.add(x, y)))));
          const second = thunk(() => {
            const s = unthunk(shared);
            seen.push(s.isDisposed);
            return cfg.xp.subtract(s, cfg.xp.multiply(dy, y));
          });
          return { args: [shared, second] };
        },
      ],
    });
    const before = tf.memory().numTensors;
    const g = tf.tidy(() => tf.grads((x, y) => tf.sum(mul(x, y)))([tf.tensor([1, 2]), tf.tensor([3, 4])]).map(v));
    expect(seen).toEqual([false]);
    expect(g).toEqual([
      [12, 18],
      [3, 6],
    ]);
    expect(evaluations).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a cotangent summed over size-1 axes, a record for a tensor, NoTangent, a disposed tensor: projected or refused, naming the rule and slot', async () => {
    const summed = tf.grad((x: tf.Tensor) => tf.sum(bad(x, { shape: [3, 1] })))(tf.ones([1, 1]));
    expect([summed.shape, v(summed)]).toEqual([[1, 1], [6]]); // 2·Σȳ in each of three rows
    const before = tf.memory().numTensors;
    const x = tf.tensor([1, 2, 3]);
    const returning = (g: (dy: tf.Tensor) => unknown) =>
      defineRule((y: tf.Tensor) => tf.clone(y), { name: 'returning', rrule: (_cfg, _opts, y) => [tf.clone(y), (dy) => ({ args: [g(dy as tf.Tensor) as never] })] });
    const cases: [(dy: tf.Tensor) => unknown, string][] = [
      [() => new Tangent({ c: 1 }), 'tangent-mismatch'],
      [() => NoTangent, 'missing-tangent'],
      [() => thunk(() => NoTangent), 'missing-tangent'],
      [(dy) => { const g = tf.mul(dy, 2); g.dispose(); return g; }, 'disposed'],
    ];
    for (const [g, code] of cases) {
      expect(errorOf(() => tf.grad((y: tf.Tensor) => tf.sum(returning(g)(y)))(x))).toMatchObject({ code, rule: 'returning', slot: 'args[0]' });
    }
    x.dispose();
    await Promise.resolve();
    releaseAbandonedTapes();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a cotangent TF.js must not own (ȳ itself, one handed for two inputs, a residual, a tensor from outside) reaches it as a copy', () => {
    const constant = tf.keep(tf.ones([2]));
    const [x, y] = [tf.tensor([1, 2]), tf.tensor([3, 4])];
    const before = tf.memory().numTensors;
    // pass(a, b) = a + b: ȳ itself for both inputs; TF.js disposes a's first gradient when it adds the second.
    const pass = defineRule((a: tf.Tensor, b: tf.Tensor) => tf.add(a, b), { name: 'pass', rrule: (cfg, _opts, a, b) => [cfg.xp.add(a, b), (dy) => ({ args: [dy, dy] })] });
    const [ga, gb] = tf.tidy(() => tf.grads((a, b) => tf.sum(tf.add(pass(a, b), tf.mul(a, 3))))([tf.ones([2]), tf.ones([2])]).map(v));
    expect([ga, gb]).toEqual([[4, 4], [1, 1]]);
    // residual(x) = x·1 whose pullback hands back a kept residual and a tensor made outside the gradient.
    const residual = defineRule((x: tf.Tensor, y: tf.Tensor) => tf.mul(x, y), {
      name: 'residual',
      rrule: (_cfg, _opts, x, y) => {
        const ones = tf.onesLike(x);
        return [tf.mul(x, y), () => ({ args: [ones, constant] })];
      },
    });
    const g = tf.grads((x, y) => tf.sum(residual(x, y)))([x, y]);
    expect(g.map(v)).toEqual([[1, 1], [1, 1]]);
    expect(g.every((t) => !t.isDisposed) && !constant.isDisposed).toBe(true);
    tf.dispose([...g, constant, x, y]);
    expect(tf.memory().numTensors).toBe(before - 3);
  });

  it('one tensor passed for two inputs, with thunks that read each other: every gradient arrives, nothing leaks', () => {
    const x = tf.tensor([0.5, -1, 2]);
    const before = tf.memory().numTensors;
    // gauss(x, { pos: x }) is constant: the cotangents of x and pos (−dpos and dpos, one thunk) cancel.
    const g = tf.tidy(() => v(tf.grad((y: tf.Tensor) => tf.sum(gauss(y, { pos: y, sigma: s(0.7) })))(x)));
    expect(g).toEqual([0, 0, 0]);
    expect(counts.gauss.pullback).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    // h(a, b, c) = 2a + 6b + 10c, whose cotangents of b and c read a's: TF.js disposes a's gradient when b's arrives for the same tensor.
    const h = defineRule((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.addN([tf.mul(a, 2), tf.mul(b, 6), tf.mul(c, 10)]), {
      name: 'h',
      rrule: (cfg, _opts, a, b, c) => [
        cfg.xp.add(cfg.xp.add(cfg.xp.multiply(a, 2), cfg.xp.multiply(b, 6)), cfg.xp.multiply(c, 10)),
        (dy) => {
          const shared = thunk(() => cfg.xp.multiply(dy, 2));
          return { args: [shared, thunk(() => cfg.xp.multiply(unthunk(shared), 3)), thunk(() => cfg.xp.multiply(unthunk(shared), 5))] };
        },
      ],
    });
    const z = tf.tensor([1, 1, 1]);
    const gh = tf.tidy(() => tf.grads((y, w) => tf.sum(h(y, y, w)))([x, z]).map(v));
    expect(gh).toEqual([[8, 8, 8], [10, 10, 10]]);
    z.dispose();
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it("a cotangent of a shape that cannot be un-broadcast is a RuleError 'wrong-shape' with the rule and slot", () => {
    const before = tf.memory().numTensors;
    const e = errorOf(() => tf.grad((x: tf.Tensor) => tf.sum(bad(x, { shape: [4] })))(tf.tensor([1, 2, 3])));
    expect(e).toMatchObject({ code: 'wrong-shape', rule: 'bad', slot: 'args[0]' });
    expect(e.message).toMatch(/\[4\].*\[3\]/);
    releaseAbandonedTapes();
    expect(tf.memory().numTensors).toBe(before + 1); // the input tensor made above
  });
});

describe('higher order', () => {
  it('second and third derivatives of foo(a, a, { c: a }) = a³ through the rule', () => {
    const f = (a: tf.Tensor) => foo(a, a, { c: a });
    expect(v(tf.grad(f)(s(2)))).toEqual([12]);
    expect(v(tf.grad(tf.grad(f))(s(2)))[0]).toBeCloseTo(12, 4);
    expect(v(tf.grad(tf.grad(tf.grad(f)))(s(2)))[0]).toBeCloseTo(6, 4);
    expect(counts.foo.impl).toBe(0);
    expect(counts.foo.rrule).toBeGreaterThanOrEqual(3);
  });

  it('the Hessian diagonal of the Gaussian (with options) is e·(z² − 1)/σ² (TF.js’s own autodiff of exp gets it wrong)', () => {
    const xs = [-0.5, 0.3, 1.7];
    const x = tf.tensor(xs);
    const ours = tf.grad((x: tf.Tensor) => tf.sum(tf.grad((x: tf.Tensor) => tf.sum(gauss(x, { pos: s(0.2), sigma: s(0.9) })))(x)))(x);
    const exact = xs.map((x) => {
      const z = (x - 0.2) / 0.9;
      return (Math.exp(-0.5 * z * z) * (z * z - 1)) / 0.81;
    });
    close(v(ours), exact);
    // TF.js 4.22's second derivative through exp drops a term (its saved output is a constant to the outer tape).
    const theirs = tf.grad((x: tf.Tensor) => tf.sum(tf.grad((x: tf.Tensor) => tf.sum(tf.exp(tf.mul(-0.5, tf.square(tf.div(tf.sub(x, 0.2), 0.9))))))(x)))(x);
    expect(Math.abs(v(theirs)[0]! - exact[0]!)).toBeGreaterThan(0.1);
    expect(counts.gauss.impl).toBe(0);
    expect(counts.gauss.pullback).toBeGreaterThanOrEqual(1);
  });
});

describe('errors leave the engine usable and leak nothing', () => {
  it('a throwing pullback: the error propagates, the tape is released, the next gradient works', () => {
    const before = tf.memory().numTensors;
    flaky.every = 1;
    expect(() => tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(square(tf.mul(x, 3)), 2)))(tf.tensor([1, 2])))).toThrow('flaky pullback');
    expect(tf.memory().numTensors).toBe(before);
    expect(tfjsAdapter.isDifferentiating?.()).toBe(false);
    flaky.every = 0;
    const g = tf.tidy(() => v(tf.grad((x: tf.Tensor) => tf.sum(square(x)))(tf.tensor([1, 2]))));
    expect(g).toEqual([2, 4]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("an rrule output that holds a tensor where no tape node output can be (a Map, a string) is a RuleError 'unsupported' naming the rule and the slot", () => {
    const hiding = defineRule((x: tf.Tensor) => [x, new Map([['w', x]])], { name: 'hiding', rrule: (_cfg, _opts, x) => [[x, new Map([['w', x]])], () => ({ args: [0 as never] })] });
    const worded = defineRule((x: tf.Tensor) => x, { name: 'worded', rrule: (_cfg, _opts, x) => ['x' as never, () => ({ args: [x] })] });
    const before = tf.memory().numTensors;
    const x = s(1);
    expect(errorOf(() => tf.grad((y: tf.Tensor) => tf.sum((hiding(y) as [tf.Tensor])[0]))(x))).toMatchObject({ code: 'unsupported', rule: 'hiding', slot: 'output[1]' });
    expect(errorOf(() => tf.grad((y: tf.Tensor) => worded(y))(x))).toMatchObject({ code: 'unsupported', rule: 'worded', slot: 'output' });
    releaseAbandonedTapes();
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('forward mode is a RuleError saying TF.js has none', () => {
    expect(tfjsConfig.canForward).toBe(false);
    expect(tfjsConfig.canReverse).toBe(true);
    const viaAd = tfjsConfig.fruleViaAd!;
    const e = errorOf(() => viaAd([1], (x: never) => x, 1));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/no forward mode/);
    expect(e.fix).toMatch(/rrule/);
  });

  it('a rule with only an frule: TF.js differentiates its plain function (the frule is not used)', () => {
    let frules = 0;
    const cube = defineRule((x: tf.Tensor) => namespaceOf(x).pow(x, 3), {
      name: 'cube',
      frule: (cfg, { args: [dx] }, _opts, x) => {
        frules++;
        return [cfg.xp.pow(x, 3), cfg.xp.multiply(dx, cfg.xp.multiply(3, cfg.xp.square(x)))];
      },
    });
    expect(v(tf.grad((x: tf.Tensor) => cube(x))(s(2)))[0]).toBeCloseTo(12, 4);
    expect(frules).toBe(0);
  });
});

describe('residual strategy', () => {
  it('first order runs the rrule once (its residuals kept); inside an inner gradient it runs again in the backward pass', () => {
    tf.grad((a: tf.Tensor) => foo(a, s(3), { c: s(2) }))(s(2));
    expect(counts.foo).toEqual({ impl: 0, rrule: 1, pullback: 1, frule: 0 });
    resetCounts();
    const d2 = tf.grad((a: tf.Tensor) => tf.grad((b: tf.Tensor) => foo(b, b, { c: s(2) }))(a))(s(2));
    expect(v(d2)[0]).toBeCloseTo(4, 5); // d²(2b²)/db²
    expect(counts.foo).toEqual({ impl: 0, rrule: 2, pullback: 1, frule: 0 });
  });
});
