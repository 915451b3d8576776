import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grad, jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { isRuleError } from '@chainrules/core';
import { differentiationDepth, probe, probeWith, resetProbe } from '../src/tracers';
import type { JvpTracerView } from '../src/tracers';
import { counts, twice } from './support/rules';
import { js, useJax } from './support/setup';

// The adapter relies on jax-js internals that are public in JS but not in its types (the JVP
// tracer class and its fields, the `jvpFlat` frame name). A jax-js upgrade that changes them
// must fail here, loudly, before users see a rule silently ignored.
describe('version guard: jax-js 0.1.25 internals the adapter relies on', () => {
  useJax();

  it('@jax-js/jax is the pinned version', () => {
    // The package does not export its package.json: find it beside its entry point.
    const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
    const manifest = join(dirname(entry), '..', 'package.json');
    expect(JSON.parse(readFileSync(manifest, 'utf8'))).toMatchObject({ name: '@jax-js/jax', version: '0.1.25' });
  });

  it('the probe finds the JVP tracer class, its fields, and the forward-mode stack frame', () => {
    resetProbe();
    const { JVPTracer, stackDepthInJvp } = probe();
    expect(typeof JVPTracer).toBe('function');
    expect(stackDepthInJvp).toBe(1);
    let seen: unknown;
    let depth = -1;
    grad(grad((x: JaxArray) => ((seen = x), (depth = differentiationDepth()), np.multiply(x.ref, x))))(np.array(1));
    expect(seen).toBeInstanceOf(JVPTracer);
    const tracer = seen as JvpTracerView;
    expect(typeof tracer._trace.main.level).toBe('number');
    expect(tracer.primal).toBeDefined();
    expect(tracer.tangent).toBeDefined();
    expect(depth).toBe(2);
    expect(differentiationDepth()).toBe(0);
  });

  it("interception, proved with counters and a derivative the plain function does not have (twice: y = x, the frule says ẏ = 2ẋ)", () => {
    const [y, dy] = jvp((x: JaxArray) => twice(x), [np.array(3)], [np.array(1)]);
    expect([js(y), js(dy)]).toEqual([3, 2]);
    expect(counts).toMatchObject({ frule: 1, impl: 0 });
    expect(js(grad((x: JaxArray) => twice(x))(np.array(3)))).toBe(2); // jax-js's own would be 1
    expect(counts).toMatchObject({ frule: 2, impl: 0 });
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
        probeWith(runJvp);
      } catch (error) {
        caught = error;
      }
      expect(isRuleError(caught)).toBe(true);
      expect(caught).toMatchObject({ code: 'unsupported' });
      expect((caught as { fix: string }).fix).toMatch(/0\.1\.25/);
    }
  });
});
