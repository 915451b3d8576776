import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NoTangent, Tangent, defineRule, kw, namespaceOf, optOut, ruleRuns, traceRules, watchRules } from '@chainrules/core';
import { releaseAbandonedTapes } from '../src/index';
import type { AnyFunction, RuleFallbackWarning, RuleTrace } from '@chainrules/core';
import { installAdapterForFile } from './support/setup';

installAdapterForFile();

type V = any;

/** scaleBy(x, { k }) = k·x, with an rrule: the rule TF.js uses. */
const scaleBy = defineRule(
  (x: V, { k = 2 }: { k?: V } = {}): V => {
    const xp = namespaceOf(x, k);
    return xp.multiply(k, x);
  },
  {
    name: 'scaleBy',
    kwargs: z.object({ k: kw.diff().default(2) }),
    rrule: ({ xp }, { k }, x) => [xp.multiply(k, x), (dy) => ({ args: [xp.multiply(dy, k)], kwargs: new Tangent({ k: xp.multiply(dy, x) }) })],
  },
);

/** cube(x) = x³ with only an frule: TF.js (reverse only) cannot use it. */
const cube = defineRule((x: V): V => namespaceOf(x).multiply(x, namespaceOf(x).square(x)), {
  name: 'cube',
  frule: ({ xp }, { args: [dx] }, _o, x) => [xp.multiply(x, xp.square(x)), xp.multiply(xp.multiply(3, xp.square(x)), dx as V)],
});

/** clip(x, { mode }) = x, with an rrule; calls with mode 'native' are opted out. */
const clip = defineRule((x: V, _o: { mode?: 'rule' | 'native' } = {}): V => namespaceOf(x).multiply(x, 1), {
  name: 'clip',
  kwargs: z.object({ mode: z.enum(['rule', 'native']).default('rule') }),
  rrule: ({ xp }, _o, x) => [xp.multiply(x, 1), (dy) => ({ args: [dy] })],
});
optOut(clip, (_x, options) => (options as { mode?: string } | undefined)?.mode === 'native');

/** outer(x) = 2·scaleBy(x): its rrule calls another rule-aware function. */
const outer = defineRule((x: V): V => scaleBy(x), {
  name: 'outer',
  rrule: ({ xp }, _o, x) => [scaleBy(x), (dy) => ({ args: [xp.multiply(dy, 2)] })],
});

/** apply(f, { k }) = k·f(): its argument is a function, whose closure no search can read. */
const apply = defineRule((f: () => V, { k = 2 }: { k?: number } = {}): V => namespaceOf(f()).multiply(k, f()), {
  name: 'apply',
  kwargs: z.object({ k: z.number().default(2) }),
  staticArgs: [0],
  rrule: ({ xp }, { k }, f) => [xp.multiply(k, f()), () => ({ args: [NoTangent] })],
});

/** scaleBy with a static option: a float tensor there is refused. */
const staticK = defineRule((x: V, { k = 2 }: { k?: V } = {}): V => namespaceOf(x, k).multiply(k, x), {
  name: 'staticK',
  kwargs: z.object({ k: z.unknown().optional() }),
  rrule: ({ xp }, { k }, x) => [xp.multiply(k as V, x), (dy) => ({ args: [xp.multiply(dy, k as V)] })],
});

const RULES: Record<string, AnyFunction> = { scaleBy, cube, clip, outer, apply, staticK };

/** `ruleRuns` of every test rule now. */
const runsNow = () => Object.fromEntries(Object.entries(RULES).map(([name, f]) => [name, ruleRuns(f)!]));

/** `f` traced, checking that the trace's run counts equal the `ruleRuns` differences over it. */
function traced<T>(f: () => T): { result: T; trace: RuleTrace } {
  const before = runsNow();
  const out = traceRules(f);
  const after = runsNow();
  for (const name of Object.keys(RULES)) {
    const delta = { rrule: after[name]!.rrule - before[name]!.rrule, pullback: after[name]!.pullback - before[name]!.pullback, frule: after[name]!.frule - before[name]!.frule };
    expect(out.trace.rules[name]?.runs ?? { rrule: 0, pullback: 0, frule: 0 }, name).toEqual(delta);
  }
  return out;
}

const value = (t: tf.Tensor): number => t.dataSync()[0]!;

describe('traceRules under TF.js', () => {
  it('records a used rule: engine, depth, rrule then pullback, and the option slots that received tangents with their shapes', () => {
    const k = tf.tensor1d([2, 3]);
    const { result, trace } = traced(() => tf.grads((x: tf.Tensor, kk: tf.Tensor) => tf.sum(scaleBy(x, { k: kk })))([tf.tensor1d([1, 1]), k]));
    expect(result.map((g) => Array.from(g.dataSync()))).toEqual([[2, 3], [1, 1]]);
    expect(trace.calls).toHaveLength(1);
    expect(trace.calls[0]).toMatchObject({ rule: 'scaleBy', engine: 'tfjs', depth: 1, ran: ['rrule', 'pullback'], outcome: 'rule', tangents: [{ slot: 'kwargs.k', shape: [2] }], direct: false });
    expect(trace.calls[0]!.fallback).toBeUndefined();
  });

  it("an frule-only rule: 'rule-kind-missing' (TF.js needs an rrule), and TF.js differentiates the plain function", () => {
    const { result, trace } = traced(() => tf.grad((x: tf.Tensor) => cube(x))(tf.scalar(2)));
    expect(value(result)).toBe(12);
    expect(trace.calls[0]).toMatchObject({ rule: 'cube', engine: 'tfjs', ran: ['primal'], outcome: 'primal' });
    expect(trace.calls[0]!.fallback).toMatchObject({ code: 'rule-kind-missing', text: 'the rule has no rrule, the kind tfjs runs' });
  });

  it("a call an optOut predicate opts out: 'opted-out'", () => {
    const { trace } = traced(() => tf.grad((x: tf.Tensor) => tf.add(clip(x, { mode: 'native' }), clip(x)))(tf.scalar(2)));
    expect(trace.calls.map((call) => [call.rule, call.ran, call.fallback?.code])).toEqual([
      ['clip', ['primal'], 'opted-out'],
      ['clip', ['rrule', 'pullback'], undefined],
    ]);
  });

  it("no engine value: plain numbers under a gradient (no engine owns the call), and int tensors only (TF.js owns it, nothing to differentiate)", () => {
    const { trace } = traced(() =>
      tf.grad((x: tf.Tensor) => {
        const a = scaleBy(3, { k: 2 }) as number;
        const b = scaleBy(tf.scalar(3, 'int32'), { k: 2 }) as tf.Tensor;
        return tf.mul(x, tf.add(a, tf.cast(b, 'float32')));
      })(tf.scalar(1)),
    );
    expect(trace.calls.map((call) => [call.engine, call.depth, call.fallback?.code])).toEqual([
      [undefined, 1, 'no-engine-value'],
      ['tfjs', 1, 'no-engine-value'],
    ]);
  });

  it("no engine value: a tensor reached only through a closure (no search reads one); TF.js differentiates the plain function", () => {
    const { result, trace } = traced(() => tf.grad((x: tf.Tensor) => apply(() => tf.square(x)))(tf.scalar(3)));
    expect(value(result)).toBe(12);
    expect(trace.calls[0]).toMatchObject({ rule: 'apply', engine: undefined, ran: ['primal'], fallback: { code: 'no-engine-value' } });
  });

  it("a float tensor in a static option is refused, not a fallback: the trace shows the error's code", () => {
    const { trace } = traced(() => {
      try {
        tf.grad((x: tf.Tensor) => staticK(x, { k: tf.scalar(2) }))(tf.scalar(3));
      } catch {
        // recorded
      }
    });
    expect(trace.calls[0]).toMatchObject({ rule: 'staticK', engine: 'tfjs', outcome: 'error', error: 'differentiable-in-static', ran: [] });
  });

  it('survives an error thrown in the gradient: rethrown, the trace closed, no tensor left behind', () => {
    const x0 = tf.scalar(3);
    const before = tf.memory().numTensors;
    expect(() =>
      traceRules(() =>
        tf.grad((x: tf.Tensor) => {
          scaleBy(x);
          throw new Error('boom');
        })(x0),
      ),
    ).toThrow('boom');
    releaseAbandonedTapes();
    expect(tf.memory().numTensors).toBe(before);
    x0.dispose();
    expect(traceRules(() => scaleBy(1)).trace.calls).toHaveLength(1);
  });

  it("outside any gradient: 'not-differentiating', with the engine that owns the values and depth 0", () => {
    const { result, trace } = traced(() => scaleBy(tf.scalar(3), { k: 2 }) as tf.Tensor);
    expect(value(result)).toBe(6);
    expect(trace.calls[0]).toMatchObject({ engine: 'tfjs', depth: 0, ran: ['primal'], fallback: { code: 'not-differentiating' } });
  });

  it("a call inside another rule's rrule: 'inside-rule', naming the rule", () => {
    const { result, trace } = traced(() => tf.grad((x: tf.Tensor) => outer(x))(tf.scalar(3)));
    expect(value(result)).toBe(2);
    expect(trace.calls.map((call) => [call.rule, call.ran, call.fallback?.code, call.fallback?.within])).toEqual([
      ['outer', ['rrule', 'pullback'], undefined, undefined],
      ['scaleBy', ['primal'], 'inside-rule', "the rrule of 'outer'"],
    ]);
  });

  it('a gradient of a gradient: the inner calls at depth 2', () => {
    const { result, trace } = traced(() => tf.grad((x: tf.Tensor) => tf.grad((y: tf.Tensor) => tf.mul(scaleBy(y, { k: y }), 1))(x))(tf.scalar(3)));
    expect(value(result)).toBe(2); // d/dx of (2x)
    expect(trace.calls[0]).toMatchObject({ rule: 'scaleBy', engine: 'tfjs', depth: 2, outcome: 'rule' });
    expect(trace.calls[0]!.ran.filter((run) => run === 'rrule').length).toBeGreaterThanOrEqual(1);
  });

  it('adds no tensor, holds none after it returns, and wraps a training step', () => {
    const k = tf.variable(tf.scalar(1.5));
    const x = tf.tensor1d([1, 2, 3]);
    const optimizer = tf.train.sgd(0.01);
    const step = () => optimizer.minimize(() => tf.sum(tf.square(tf.sub(scaleBy(x, { k }) as tf.Tensor, 3))), true, [k])!.dispose();
    step();
    const before = tf.memory().numTensors;
    step();
    expect(tf.memory().numTensors).toBe(before);
    const { trace } = traced(step);
    expect(tf.memory().numTensors).toBe(before);
    expect(trace.calls[0]).toMatchObject({ rule: 'scaleBy', ran: ['rrule', 'pullback'], tangents: [{ slot: 'kwargs.k', shape: [] }] });
    // Plain data only: names, codes, numbers.
    expect(JSON.parse(JSON.stringify(trace))).toEqual(trace.toJSON());
    tf.dispose([k, x]);
    optimizer.dispose();
  });

  it('prints a table: counts per rule and outcome, then the first call of each kind with its reason', () => {
    const { trace } = traced(() =>
      tf.grad((x: tf.Tensor) => tf.addN([scaleBy(x, { k: tf.scalar(2) }) as tf.Tensor, cube(x) as tf.Tensor, clip(x, { mode: 'native' }) as tf.Tensor, clip(x, { mode: 'native' }) as tf.Tensor]))(tf.scalar(1)),
    );
    const table = String(trace);
    expect(table.split('\n')[0]).toBe('Rule trace: 4 calls of 3 rules (1 ran a rule, 3 the plain function)');
    expect(table).toMatch(/^clip +2 +0 +0 +0 +2 +0 +opted-out ×2$/m);
    expect(table).toMatch(/^scaleBy +1 +1 +1 +0 +0 +0$/m);
    expect(table).toContain('rule-kind-missing: the rule has no rrule, the kind tfjs runs');
    // One row per kind: the second opted-out clip call is counted, not listed.
    expect(table.split('First call of each kind:')[1]!.match(/opted-out:/g)).toHaveLength(1);
  });
});

describe('watchRules under TF.js', () => {
  let stop: () => void = () => {};
  afterEach(() => stop());

  it('warns once per rule and reason when the plain function runs while TF.js differentiates; not outside a gradient, nor inside a rule', () => {
    const warnings: RuleFallbackWarning[] = [];
    stop = watchRules({ warn: (w) => warnings.push(w) });
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.grad((x: tf.Tensor) => tf.addN([cube(x) as tf.Tensor, clip(x, { mode: 'native' }) as tf.Tensor, outer(x) as tf.Tensor, scaleBy(x) as tf.Tensor]))(tf.scalar(1));
        cube(tf.scalar(1));
      });
    }
    expect(warnings.map((w) => [w.rule, w.engine, w.code])).toEqual([
      ['cube', 'tfjs', 'rule-kind-missing'],
      ['clip', 'tfjs', 'opted-out'],
    ]);
    expect(warnings[0]!.message).toBe(
      "[chainrules] rule 'cube' ran its plain function while tfjs differentiated it (rule-kind-missing: the rule has no rrule, the kind tfjs runs). Reported once per rule and reason.",
    );
  });

  it('is silent once turned off, and console.warn is the default handler', () => {
    const original = console.warn;
    const seen: unknown[] = [];
    console.warn = (...args: unknown[]) => void seen.push(args[0]);
    try {
      stop = watchRules();
      tf.tidy(() => void tf.grad((x: tf.Tensor) => cube(x))(tf.scalar(1)));
      stop();
      tf.tidy(() => void tf.grad((x: tf.Tensor) => clip(x, { mode: 'native' }))(tf.scalar(1)));
    } finally {
      console.warn = original;
    }
    expect(seen).toHaveLength(1);
    expect(String(seen[0])).toContain("rule 'cube'");
  });
});
