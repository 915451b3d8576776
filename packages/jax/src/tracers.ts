import { jvp, numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';

/*
 * What the adapter relies on inside jax-js 0.1.25, found by probing rather than by importing
 * internals: the JVP tracer class (its bundled name is minified away in some builds), its
 * public-in-JS fields `primal`, `tangent` and `_trace.main.level`, and the name of the
 * function that runs each forward-mode transformation (`jvpFlat`), which tells, from the call
 * stack, how many differentiations enclose a jit or vmap trace.
 */

/** A jax-js tracer as the adapter reads it. */
export interface TracerView {
  readonly _trace: { readonly main: { readonly level: number } };
}

/** A JVP tracer: its primal and tangent, at its trace. */
export interface JvpTracerView extends TracerView {
  readonly primal: JaxArray;
  readonly tangent: JaxArray;
}

/** The JVP tracer class, as captured by the probe. */
export type JvpTracerClass = new (trace: unknown, primal: JaxArray, tangent: JaxArray) => JaxArray;

/** What the probe found. */
export interface Probe {
  /** The JVP tracer class. */
  readonly JVPTracer: JvpTracerClass;
  /** The forward-mode frames counted on the stack inside one `jvp` (1 when the stack can be read). */
  readonly stackDepthInJvp: number;
}

let probed: Probe | undefined;

const FRAME = /\bjvpFlat\b/g;

/** How many forward-mode transformations (`jvp`, `grad`, `hessian`, …) are running now, read from the stack. */
export function differentiationDepth(): number {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = Infinity;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return stack.match(FRAME)?.length ?? 0;
}

function probeFailed(what: string, cause?: unknown): RuleError {
  return new RuleError('unsupported', {
    message: `the jax-js adapter could not find ${what} in this version of @jax-js/jax, so it cannot run rules.`,
    fix: 'Use @jax-js/jax 0.1.25 exactly (the version this adapter is tested with), and call `await init(\'wasm\')` before differentiating.',
    cause,
  });
}

/**
 * Probes jax-js once (on first use): runs `jvp` on a function that captures its argument's
 * class and checks the fields the adapter reads. A failure is a `RuleError` ('unsupported')
 * that says which version works.
 */
export function probe(): Probe {
  return (probed ??= probeWith(jvp));
}

/** The probe, run with a given `jvp` (the version-guard test passes broken ones). */
export function probeWith(runJvp: (f: (x: JaxArray) => JaxArray, primals: [JaxArray], tangents: [JaxArray]) => unknown): Probe {
  let seen: unknown;
  let depth = -1;
  let outputs: unknown;
  try {
    outputs = runJvp(
      (x: JaxArray) => {
        seen = x;
        depth = differentiationDepth();
        return x;
      },
      [np.array(0)],
      [np.array(1)],
    );
  } catch (error) {
    throw probeFailed('a working jvp', error);
  }
  if (Array.isArray(outputs)) for (const value of outputs) (value as Partial<JaxArray>).dispose?.();
  const tracer = seen as Partial<JvpTracerView> | undefined;
  const level = tracer?._trace?.main?.level;
  if (typeof level !== 'number' || tracer?.primal === undefined || tracer.tangent === undefined || typeof (seen as object).constructor !== 'function') {
    throw probeFailed("the JVP tracer (fields 'primal', 'tangent', '_trace.main.level')");
  }
  return { JVPTracer: (seen as object).constructor as JvpTracerClass, stackDepthInJvp: depth };
}

/** Test hook: forget the probe (a version-guard test re-runs it). */
export function resetProbe(): void {
  probed = undefined;
}

/** The trace level of a jax-js value (0 for a concrete array). */
export function levelOf(x: unknown): number {
  return (x as TracerView)._trace?.main?.level ?? 0;
}

/** The trace object of a jax-js tracer. */
export function traceOf(x: unknown): { readonly main: unknown } {
  return (x as { _trace: { main: unknown } })._trace;
}
