import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { FALLBACK_CODES, Tangent, defineRule, installAdapter, kw, nonDifferentiable, numberApi, optOut, rrule, ruleConfig, ruleRuns, traceRules, watchRules } from '../../src/index';
import type { Adapter, RuleFallbackWarning } from '../../src/index';

const foo = defineRule((a: number, b: number, { c = 42 }: { c?: number } = {}) => a * b * c, {
  name: 'fooTraced',
  kwargs: z.object({ c: kw.diff<number>().default(42) }),
  rrule: (_cfg, { c }, a, b) => [a * b * c, (dy) => ({ args: [dy * b * c, dy * a * c], kwargs: new Tangent({ c: dy * a * b }) })],
});

/** The observer's slot in the shared registry: `undefined` while no trace is open and the watch mode is off. */
const observerSlot = (): unknown => (globalThis as Record<symbol, { observer?: unknown }>)[Symbol.for('chainrules.registry.v2')]!.observer;

describe('traceRules', () => {
  it('records calls on plain numbers (no engine, nothing differentiating) and returns the result', () => {
    const { result, trace } = traceRules(() => foo(2, 3, { c: 1 }) + foo(1, 1));
    expect(result).toBe(48);
    expect(trace.calls.map((call) => [call.index, call.rule, call.engine, call.ran, call.outcome, call.fallback?.code])).toEqual([
      [0, 'fooTraced', undefined, ['primal'], 'primal', 'not-differentiating'],
      [1, 'fooTraced', undefined, ['primal'], 'primal', 'not-differentiating'],
    ]);
    expect(trace.rules['fooTraced']).toEqual({ calls: 2, runs: { rrule: 0, pullback: 0, frule: 0 }, primal: 2, errors: 0, fallbacks: { 'not-differentiating': 2 } });
  });

  it('records direct runs of the rrule contract, its pullback, and the option slots that received cotangents; counts equal ruleRuns differences', () => {
    const before = ruleRuns(foo)!;
    const { trace } = traceRules(() => rrule(foo, 2, 3, { c: 4 })![1](1));
    const after = ruleRuns(foo)!;
    expect(trace.rules['fooTraced']!.runs).toEqual({ rrule: after.rrule - before.rrule, pullback: after.pullback - before.pullback, frule: 0 });
    expect(trace.calls).toEqual([{ index: 0, rule: 'fooTraced', engine: 'number', depth: undefined, ran: ['rrule', 'pullback'], outcome: 'rule', tangents: [], direct: true }]);
  });

  it('counts a pullback when it runs inside the trace, also for an rrule run before it', () => {
    const [, pullback] = rrule(foo, 2, 3)!;
    const { trace } = traceRules(() => pullback(1));
    expect(trace.rules['fooTraced']!.runs).toEqual({ rrule: 0, pullback: 1, frule: 0 });
  });

  it('records an error a call raised, with its code, when the traced function catches it', () => {
    const { trace } = traceRules(() => {
      try {
        foo(1, 2, { cc: 1 } as never);
      } catch {
        // seen in the trace
      }
    });
    expect(trace.calls[0]).toMatchObject({ rule: 'fooTraced', outcome: 'error', error: 'unknown-option', ran: [] });
    expect(String(trace)).toContain('raised unknown-option');
  });

  it('survives an exception: rethrows it, and the trace is closed (later calls are not recorded, the hooks are off)', () => {
    expect(() =>
      traceRules(() => {
        foo(1, 2);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(observerSlot()).toBeUndefined();
    const { trace } = traceRules(() => foo(1, 1));
    expect(trace.calls).toHaveLength(1);
  });

  it('nests: the inner trace holds its calls, the outer one every call', () => {
    const { result, trace: outer } = traceRules(() => {
      foo(1, 1);
      const inner = traceRules(() => foo(2, 2));
      foo(3, 3);
      return inner.trace;
    });
    expect(result.calls.map((call) => call.index)).toEqual([0]);
    expect(outer.calls).toHaveLength(3);
    expect(observerSlot()).toBeUndefined();
  });

  it('refuses a Promise result (the work it stands for would run untraced), and closes the trace', () => {
    expect(() => traceRules(() => Promise.resolve(1))).toThrow(/\[unsupported\].*Promise/);
    expect(observerSlot()).toBeUndefined();
  });

  it('prints a table, and says when no rule-aware call was made', () => {
    expect(String(traceRules(() => 1).trace)).toBe('Rule trace: no rule-aware call was made.');
    const table = String(traceRules(() => foo(1, 1)).trace);
    expect(table).toContain('Rule trace: 1 call of 1 rule (0 ran a rule, 1 the plain function)');
    expect(table).toMatch(/^fooTraced +1 +0 +0 +0 +1 +0 +not-differentiating ×1$/m);
    expect(table).toContain('not-differentiating: no engine was differentiating the call');
  });

  it('escapes control characters of rule names in the table', () => {
    const odd = defineRule((x: number) => x, { name: 'odd\u001b[2J', rrule: (_c, _o, x) => [x, (dy) => ({ args: [dy] })] });
    expect(String(traceRules(() => odd(1)).trace)).not.toContain('\u001b');
  });

  it('shows the rrule of a nonDifferentiable function run by an adapter (a rule that counts no runs)', () => {
    class Held {
      constructor(readonly value: number) {}
    }
    const running: Adapter = {
      name: 'running',
      xp: numberApi,
      config: ruleConfig({ xp: numberApi, engine: 'running', canReverse: true, canForward: false }),
      owns: (value: unknown): value is unknown => value instanceof Held,
      invoke: (call) => call.rrule(running.config)![0],
    };
    const inner = defineRule((x: Held) => x.value, { name: 'valueOf', rrule: (_c, _o, x) => [x.value, (dy) => ({ args: [dy] })] });
    // Its plain function (what its rrule runs) makes a rule-aware call of its own, which the adapter runs too.
    const sign = nonDifferentiable((x: Held) => Math.sign(inner(x) as number), 'signOf');
    const uninstall = installAdapter(running);
    try {
      const { result, trace } = traceRules(() => sign(new Held(-2)));
      expect(result).toBe(-1);
      expect(trace.calls).toEqual([
        { index: 0, rule: 'signOf', engine: 'running', depth: undefined, ran: ['rrule'], outcome: 'rule', tangents: [], direct: false },
        { index: 1, rule: 'valueOf', engine: 'running', depth: undefined, ran: ['rrule'], outcome: 'rule', tangents: [], direct: false },
      ]);
    } finally {
      uninstall();
    }
  });

  it('lists every fallback code', () => {
    expect(FALLBACK_CODES).toEqual(['not-differentiating', 'no-engine-value', 'opted-out', 'rule-kind-missing', 'inside-rule', 'unreported']);
  });
});

describe('watchRules', () => {
  let stop: () => void = () => {};
  afterEach(() => stop());

  /** An engine that always differentiates and declines every call: with or without a reason. */
  class Held {
    constructor(readonly value: number) {}
  }
  const engine = (reason: boolean): Adapter => ({
    name: 'declining',
    xp: numberApi,
    config: ruleConfig({ xp: numberApi, engine: 'declining', canReverse: true, canForward: false }),
    owns: (value: unknown): value is unknown => value instanceof Held,
    isDifferentiating: () => true,
    differentiationDepth: () => 1,
    invoke: (call) => (reason ? call.primal('opted-out') : call.primal()),
  });
  const twice = defineRule((x: unknown) => x, { name: 'twiceWatched', rrule: (_c, _o, x) => [x, (dy) => ({ args: [dy] })] });

  it("reports, once per rule and reason, a fallback the adapter explains and one it does not ('unreported')", () => {
    const warnings: RuleFallbackWarning[] = [];
    stop = watchRules({ warn: (w) => warnings.push(w) });
    const uninstall = installAdapter(engine(false));
    try {
      twice(new Held(1));
      twice(new Held(2));
    } finally {
      uninstall();
    }
    const again = installAdapter(engine(true));
    try {
      twice(new Held(1));
      twice(new Held(2));
    } finally {
      again();
    }
    expect(warnings.map((w) => [w.rule, w.engine, w.code])).toEqual([
      ['twiceWatched', 'declining', 'unreported'],
      ['twiceWatched', 'declining', 'opted-out'],
    ]);
  });

  it('says nothing with no engine differentiating, and turns its hooks off when stopped', () => {
    const warnings: RuleFallbackWarning[] = [];
    stop = watchRules({ warn: (w) => warnings.push(w) });
    const remove = optOut(foo, () => true);
    try {
      foo(1, 2);
    } finally {
      remove();
    }
    expect(warnings).toEqual([]);
    expect(observerSlot()).toBeDefined();
    stop();
    expect(observerSlot()).toBeUndefined();
  });

  it('a new watchRules replaces the handler and forgets what was reported; a trace open meanwhile keeps the hooks on', () => {
    const first: RuleFallbackWarning[] = [];
    const second: RuleFallbackWarning[] = [];
    const uninstall = installAdapter(engine(true));
    try {
      watchRules({ warn: (w) => first.push(w) });
      twice(new Held(1));
      stop = watchRules({ warn: (w) => second.push(w) });
      const { trace } = traceRules(() => twice(new Held(1)));
      expect(trace.calls[0]!.fallback?.code).toBe('opted-out');
    } finally {
      uninstall();
    }
    expect([first.length, second.length]).toEqual([1, 1]);
  });
});
