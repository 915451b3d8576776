import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grad, jit, jvp, numpy as np, valueAndGrad, vjp, vmap } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { isRuleError } from '@chainrules/core';
import {
  armOnReference,
  batchParts,
  batchSize,
  differentiationDepth,
  isArrayOrTracer,
  isOfTrace,
  isTracer,
  jvpParts,
  kindOf,
  knownValue,
  levelOf,
  makeBatchTracer,
  makeJvpTracer,
  plantTripwire,
  probe,
  probeWith,
  readFrames,
  resetProbe,
  traceOf,
  vjpClosed,
} from '../src/internals';
import type { Depth } from '../src/internals';
import { counts, twice } from './support/rules';
import { js, useJax } from './support/setup';

// The adapter relies on jax-js internals that are public in JS but not in its types (the tracer
// classes and their fields, the call sites of its transformations). A jax-js upgrade that
// changes them must fail here, loudly, before users see a rule silently ignored. Every function
// of src/internals.ts is exercised here.
describe('version guard: jax-js 0.1.25 internals the adapter relies on', () => {
  useJax();

  it('@jax-js/jax is the pinned version', () => {
    // The package does not export its package.json: find it beside its entry point.
    const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
    const manifest = join(dirname(entry), '..', 'package.json');
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toMatchObject({ name: '@jax-js/jax', version: '0.1.25' });
  });

  it('the probe finds the tracer classes and learns to read the depth: 1 inside jvp, 2 inside two', () => {
    resetProbe();
    const found = probe();
    expect(Object.values(found.classes).every((c) => typeof c === 'function')).toBe(true);
    expect('read' in found.depth).toBe(true);
    const at = (): Depth => differentiationDepth() as Depth;
    let depths: Depth[] = [];
    grad(grad((x: JaxArray) => (depths.push(at()), np.multiply(x.ref, x))))(np.array(1));
    expect(depths.map((d) => d.total)).toEqual([2]);
    expect(at()).toMatchObject({ total: 0, tracingJit: false });
    depths = [];
    const f = jit((x: JaxArray) => (depths.push(at()), x));
    grad(f)(np.array(1)).dispose();
    expect(depths).toMatchObject([{ total: 1, tracingJit: true, insideJit: 0 }]);
    const g = jit((x: JaxArray) => grad((y: JaxArray) => (depths.push(at()), np.multiply(y.ref, y)))(x));
    depths = [];
    g(np.array(1)).dispose();
    expect(depths).toMatchObject([{ total: 1, tracingJit: true, insideJit: 1 }]);
    [f, g].forEach((h) => h.dispose());
  });

  it('the probe learns the same when it first runs inside a user’s grad and jit trace', () => {
    resetProbe();
    const f = jit((x: JaxArray) => twice(x)); // the first rule call, so the probe, runs in here
    expect(js(grad(f)(np.array(3)))).toBeCloseTo(2, 5);
    expect('read' in probe().depth).toBe(true);
    const depths: Depth[] = [];
    grad(grad((x: JaxArray) => (depths.push(differentiationDepth() as Depth), np.multiply(x.ref, x))))(np.array(1));
    expect(depths.map((d) => d.total)).toEqual([2]);
    f.dispose();
  });

  it('readFrames reads structured call sites, whatever Error.prepareStackTrace and stackTraceLimit say, and restores them', () => {
    const ErrorClass = Error as ErrorConstructor & { prepareStackTrace?: unknown };
    const theirs = (): string => 'rewritten';
    const [prepare, limit] = [ErrorClass.prepareStackTrace, Error.stackTraceLimit];
    try {
      ErrorClass.prepareStackTrace = theirs;
      Error.stackTraceLimit = 2;
      const frames = readFrames();
      expect(frames?.length).toBeGreaterThan(5);
      expect(frames?.every((frame) => typeof frame.key === 'string')).toBe(true);
      expect(ErrorClass.prepareStackTrace).toBe(theirs);
      expect(Error.stackTraceLimit).toBe(2);
    } finally {
      ErrorClass.prepareStackTrace = prepare;
      Error.stackTraceLimit = limit;
    }
  });

  it('tracer kinds, levels and traces: jvp, vmap, jit and grad’s partial evaluation', () => {
    const seen: Record<string, unknown> = {};
    jvp((x: JaxArray) => ((seen.jvp = x), x), [np.array(1)], [np.array(1)]).forEach((y) => y.dispose());
    vmap((x: JaxArray) => ((seen.batch = x), x))(np.array([1, 2])).dispose();
    const f = jit((x: JaxArray) => ((seen.jit = x), x));
    f(np.array(1)).dispose();
    f.dispose();
    let known: unknown;
    grad((x: JaxArray) => ((seen.partial = jvpParts(x).primal), (known = knownValue(jvpParts(x).primal)?.ref.js()), (seen.gradJvp = x), x))(np.array(3)).dispose();
    const a = np.array(1);
    expect(kindOf(a)).toBe('array');
    expect(levelOf(a)).toBe(0);
    expect(isArrayOrTracer(a)).toBe(true);
    expect(isTracer(a)).toBe(false);
    expect([1, {}, [a]].some(isArrayOrTracer)).toBe(false);
    for (const kind of ['jvp', 'batch', 'jit', 'partial'] as const) {
      expect(isArrayOrTracer(seen[kind])).toBe(true);
      expect(isTracer(seen[kind])).toBe(true);
      expect(kindOf(seen[kind])).toBe(kind);
      expect(levelOf(seen[kind])).toBeGreaterThan(0);
      expect(isOfTrace(seen[kind], traceOf(seen[kind]))).toBe(true);
    }
    expect(kindOf({})).toBe('unknown');
    expect(isOfTrace(seen.jvp, traceOf(seen.batch))).toBe(false);
    expect(levelOf(seen.partial)).toBeLessThan(levelOf(seen.gradJvp));
    expect(known).toBe(3);
    a.dispose();
  });

  it('a JVP tracer is taken apart and made: interception, proved with counters and a derivative the plain function does not have', () => {
    const [y, dy] = jvp(
      (x: JaxArray) => {
        const { primal, tangent } = jvpParts(x);
        return makeJvpTracer(traceOf(x), np.multiply(primal.ref, 3), np.multiply(tangent.ref, 5));
      },
      [np.array(2)],
      [np.array(1)],
    );
    expect([js(y), js(dy)]).toEqual([6, 5]);
    const [z, dz] = jvp((x: JaxArray) => twice(x), [np.array(3)], [np.array(1)]);
    expect([js(z), js(dz)]).toEqual([3, 2]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
    expect(js(grad((x: JaxArray) => twice(x))(np.array(3)))).toBe(2); // jax-js's own would be 1
  });

  it('a batch tracer is taken apart and made: its value, batch axis and axis size', () => {
    const out = vmap((x: JaxArray) => {
      const { val, dim } = batchParts(x);
      expect(dim).toBe(1);
      expect(batchSize(traceOf(x))).toBe(3);
      return makeBatchTracer(traceOf(x), np.multiply(val.ref, 2), dim!);
    }, 1)(np.array([[1, 2, 3], [4, 5, 6]]));
    expect(js(out)).toEqual([[2, 8], [4, 10], [6, 12]]);
  });

  it('jit takes a reference to each constant of its trace at every call, cached or not: an armed array sees each one', () => {
    const constant = np.array([1]);
    let checks = 0;
    const f = jit((x: JaxArray) => np.add(x, constant.ref));
    f(np.array([1])).dispose(); // traced: the constant is part of the trace now
    armOnReference(constant, () => checks++);
    for (let i = 0; i < 3; i++) f(np.array([i])).dispose();
    expect(checks).toBeGreaterThanOrEqual(3);
    const before = checks;
    grad((x: JaxArray) => np.sum(f(x)))(np.array([2])).dispose(); // the cached trace, differentiated
    expect(checks).toBeGreaterThan(before);
    armOnReference(constant, () => {
      throw new Error('refused');
    });
    expect(() => f(np.array([1]))).toThrow('refused');
    f.dispose();
    constant.dispose();
  });

  it('an array used in a jit trace is a constant of it: a tripwire planted there runs at every later call, cached or differentiated', () => {
    let checks = 0;
    const f = jit((x: JaxArray) => {
      plantTripwire(() => checks++);
      return np.multiply(x, 2);
    });
    expect(js(f(np.array([1])))).toEqual([2]); // traced: the tripwire is planted
    const planted = checks;
    for (let i = 0; i < 3; i++) f(np.array([i])).dispose(); // the cached trace
    expect(checks - planted).toBeGreaterThanOrEqual(3);
    const before = checks;
    expect(js(grad((x: JaxArray) => np.sum(f(x)))(np.array([2])))).toEqual([2]);
    expect(checks).toBeGreaterThan(before);
    f.dispose();
  });

  it("vjp leaves its partial-evaluation trace on jax-js's trace stack; vjpClosed takes it off, so a vjp inside jvp leaves the levels as they were", () => {
    const levelInJvp = (): number => {
      let level = -1;
      jvp((x: JaxArray) => ((level = levelOf(x)), x), [np.array(1)], [np.array(1)]).forEach((v) => v.dispose());
      return level;
    };
    const square = (y: JaxArray): JaxArray[] => [np.multiply(y.ref, y)];
    const runVjp = (run: typeof vjp | typeof vjpClosed): void => {
      const [outs, back] = run(square, [np.array(2)]);
      outs.forEach((o) => o.dispose());
      back.dispose();
    };
    const before = levelInJvp();
    runVjp(vjp);
    expect(levelInJvp()).toBe(before + 1); // jax-js's leak: one more level for good
    const after = levelInJvp();
    runVjp(vjpClosed);
    expect(levelInJvp()).toBe(after);
    // A vjp run inside a jvp trace: its leaked entry made that trace pop the wrong one, and
    // valueAndGrad's hasAux then left its aux output a tracer; closed, the aux is an array.
    const aux = (run: typeof vjp | typeof vjpClosed): unknown => {
      const [[y, a], g] = valueAndGrad((x: JaxArray) => (runVjp(run), [np.sum(x.ref), np.multiply(x, 2)]), { hasAux: true })(np.array([1, 2])) as unknown as [[JaxArray, JaxArray], JaxArray];
      y.dispose();
      g.dispose();
      return a;
    };
    expect(isTracer(aux(vjp))).toBe(true);
    const closed = aux(vjpClosed);
    expect(isTracer(closed)).toBe(false);
    expect(js(closed)).toEqual([2, 4]);
  });

  it("a failed probe is a RuleError ('unsupported') that names the working version", () => {
    const broken = [
      () => {
        throw new Error('jvp changed');
      },
      (f: (x: JaxArray) => JaxArray) => [f({} as JaxArray)], // the traced argument is no longer a tracer with primal/tangent
    ];
    for (const runJvp of broken) {
      let caught: unknown;
      try {
        probeWith({ jvp: runJvp });
      } catch (error) {
        caught = error;
      }
      expect(isRuleError(caught)).toBe(true);
      expect(caught).toMatchObject({ code: 'unsupported' });
      expect((caught as { fix: string }).fix).toMatch(/0\.1\.25/);
    }
  });

  it('a stack that cannot be read, or that does not show jax-js’s call sites, is recorded as unreadable: never a guessed depth', () => {
    const attempts = [() => undefined, () => [{ key: 'x', name: null }], () => readFrames()?.slice(0, 3)];
    for (const frames of attempts) {
      const found = probeWith({ jvp, frames });
      expect('unreadable' in found.depth).toBe(true);
    }
  });
});
