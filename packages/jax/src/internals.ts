import { Array as JaxArray, grad, jit, jvp, numpy as np, vjp, vmap } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';

/*
 * Everything the adapter reads inside jax-js 0.1.25 that jax-js does not document, behind
 * named functions, each proven by test/versionGuard.test.ts. Found by probing rather than by
 * importing internals (the bundled class names are minified away in some builds):
 *
 * - the base class of arrays and tracers (not exported), the tracer classes of jvp, vmap, jit
 *   and partial evaluation (grad's linearisation), and
 *   their public-in-JS fields: a JVP tracer's `primal` and `tangent`, a batch tracer's `val`
 *   and `batchDim`, a partial-evaluation tracer's `pval`, every tracer's `_trace.main`;
 * - the call stack, read as V8's structured call sites (never as text, which tools rewrite):
 *   how many forward-mode transformations run now, and whether a jit trace is being built;
 * - that an array used inside a jit trace becomes a constant of that trace, and that jit hands
 *   every constant of a cached trace to jax-js again, through `.ref`, at each call (the staged
 *   form's tripwire relies on both);
 * - that `vjp` leaves its partial-evaluation trace on jax-js's trace stack, where the trace's
 *   `main` (a disposable that pops the stack's top) takes it off.
 */

/** A tracer's trace, as the adapter compares it (identity of its `main`). */
export interface TraceView {
  readonly main: unknown;
}

/** Which transformation a jax-js value belongs to. */
export type TracerKind = 'array' | 'jvp' | 'batch' | 'jit' | 'partial' | 'unknown';

type AnyClass = abstract new (...args: never[]) => unknown;

/** How many forward-mode transformations enclose the running code, read from the call stack. */
export interface Depth {
  /** Forward-mode transformations (`jvp`, and `grad`, `vjp`, `hessian`, … through it) running now. */
  readonly total: number;
  /** A jit trace is being built (some jit's function is running under its tracer). */
  readonly tracingJit: boolean;
  /** Of `total`, those started inside the innermost jit trace being built. */
  readonly insideJit: number;
  /** Where those inner ones run (call-site positions): equal for two reads in one nesting. */
  readonly insideKey: string;
}

/** What the probe found. */
export interface Probe {
  readonly classes: { readonly jvp: AnyClass; readonly batch: AnyClass; readonly jit: AnyClass; readonly partial: AnyClass };
  /** How the depth is read, or why it cannot be (then the paths that need it refuse). */
  readonly depth: { readonly read: () => Depth | undefined } | { readonly unreadable: string };
}

/** A frame of the call stack: its position, and its function's name when V8 knows it. */
export interface Frame {
  readonly key: string;
  readonly name: string | null;
}

interface CallSiteLike {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getColumnNumber(): number | null;
  getFunctionName(): string | null;
}

/**
 * The call stack above the caller, as V8's structured call sites. The user's
 * `Error.prepareStackTrace` (source-map-support, test runners) and `Error.stackTraceLimit`
 * are set aside for the read and restored, so nothing they do to stack text matters.
 * `undefined` where the engine gives no call sites.
 */
export function readFrames(): Frame[] | undefined {
  const ErrorClass = Error as ErrorConstructor & { prepareStackTrace?: unknown; captureStackTrace?: (target: object, above?: unknown) => void };
  if (typeof ErrorClass.captureStackTrace !== 'function') return undefined;
  const prepare = ErrorClass.prepareStackTrace;
  const limit = ErrorClass.stackTraceLimit;
  let sites: unknown;
  try {
    ErrorClass.stackTraceLimit = Infinity;
    ErrorClass.prepareStackTrace = (_error: unknown, structured: unknown) => structured;
    const holder: { stack?: unknown } = {};
    ErrorClass.captureStackTrace(holder, readFrames);
    sites = holder.stack;
  } catch {
    return undefined;
  } finally {
    ErrorClass.prepareStackTrace = prepare;
    ErrorClass.stackTraceLimit = limit;
  }
  if (!Array.isArray(sites)) return undefined;
  return (sites as CallSiteLike[]).map((site) => ({
    key: `${site.getFileName?.() ?? '?'}:${site.getLineNumber?.() ?? '?'}:${site.getColumnNumber?.() ?? '?'}`,
    name: site.getFunctionName?.() ?? null,
  }));
}

function probeFailed(what: string, cause?: unknown): RuleError {
  return new RuleError('unsupported', {
    message: `the jax-js adapter could not find ${what} in this version of @jax-js/jax, so it cannot run rules.`,
    fix: 'Use @jax-js/jax 0.1.25 exactly (the version this adapter is tested with), and call `await init(\'wasm\')` before differentiating.',
    cause,
  });
}

/** What the probe runs: jax-js's transformations (the version-guard test passes broken ones) and the frame reader. */
export interface ProbeParts {
  readonly jvp: (f: (x: JaxArray) => JaxArray, primals: [JaxArray], tangents: [JaxArray]) => unknown;
  readonly frames?: () => Frame[] | undefined;
}

let probed: Probe | undefined;

/**
 * Probes jax-js once (on first use): captures the tracer classes and learns how to read the
 * differentiation depth. A jax-js whose tracers are not as expected is a `RuleError`
 * ('unsupported') that names the version that works; a stack that cannot be read is recorded,
 * and only the paths that need the depth refuse.
 */
export function probe(): Probe {
  return (probed ??= probeWith({ jvp }));
}

/** Test hook: forget the probe, or replace it (a version-guard test runs the adapter on a broken one). */
export function resetProbe(replacement?: Probe): void {
  probed = replacement;
}

/** The probe, run with given parts. */
export function probeWith(parts: ProbeParts): Probe {
  const frames = parts.frames ?? readFrames;
  let seen: unknown;
  let inJvp: Frame[] | undefined;
  try {
    disposeAll(
      parts.jvp(
        (x) => {
          seen = x;
          inJvp = frames();
          return x;
        },
        [np.array(0)],
        [np.array(1)],
      ),
    );
  } catch (error) {
    throw probeFailed('a working jvp', error);
  }
  const tracer = seen as { primal?: unknown; tangent?: unknown; _trace?: { main?: { level?: unknown } } } | undefined;
  if (typeof tracer?._trace?.main?.level !== 'number' || tracer.primal === undefined || tracer.tangent === undefined || typeof (seen as object).constructor !== 'function') {
    throw probeFailed("the JVP tracer (fields 'primal', 'tangent', '_trace.main.level')");
  }
  const classes = { jvp: (seen as object).constructor as AnyClass, ...otherClasses() };
  return { classes, depth: learnDepth(parts.jvp, frames, inJvp) };
}

function disposeAll(values: unknown): void {
  if (Array.isArray(values)) for (const value of values) disposeAll(value);
  else (values as Partial<JaxArray> | undefined)?.dispose?.();
}

/** The batch, jit and partial-evaluation tracer classes, captured inside vmap, jit and grad. */
function otherClasses(): { batch: AnyClass; jit: AnyClass; partial: AnyClass } {
  let batch: unknown;
  let traced: unknown;
  let partial: unknown;
  try {
    disposeAll(vmap((x: JaxArray) => ((batch = x), x))(np.array([0, 1])));
    const f = jit((x: JaxArray) => ((traced = x), x));
    disposeAll(f(np.array(0)));
    f.dispose();
    disposeAll(grad((x: JaxArray) => ((partial = (x as unknown as { primal: unknown }).primal), x))(np.array(0)));
  } catch (error) {
    throw probeFailed('working vmap, jit and grad', error);
  }
  const b = batch as { val?: unknown; batchDim?: unknown } | undefined;
  const p = partial as { pval?: { isKnown?: unknown } } | undefined;
  if (b === undefined || b.val === undefined || b.batchDim !== 0) throw probeFailed("the batch tracer (fields 'val', 'batchDim')");
  if (typeof p?.pval?.isKnown !== 'boolean') throw probeFailed("the partial-evaluation tracer (field 'pval')");
  if (traced === undefined || traced instanceof JaxArray) throw probeFailed('the jit tracer');
  return { batch: (batch as object).constructor as AnyClass, jit: (traced as object).constructor as AnyClass, partial: (partial as object).constructor as AnyClass };
}

/** How many times `key` occurs in `frames`. */
const occurring = (frames: readonly Frame[], key: string): number => frames.reduce((n, frame) => n + (frame.key === key ? 1 : 0), 0);

/**
 * Learns, from frames read inside one jvp, two nested ones and a jit trace, the call-site
 * positions that mark a running forward-mode transformation (jax-js's `jvpFlat` calling the
 * user's function) and a jit trace being built; then requires the reading to give 1 inside
 * jvp, 2 inside a nested one, and to see jit traces, or records why it cannot.
 */
function learnDepth(runJvp: ProbeParts['jvp'], frames: () => Frame[] | undefined, inJvp: Frame[] | undefined): Probe['depth'] {
  const cannot = (why: string): Probe['depth'] => ({ unreadable: why });
  if (inJvp === undefined) return cannot('this JavaScript engine gives no structured call sites (V8 does)');
  let inJvp2: Frame[] | undefined;
  let inJit: Frame[] | undefined;
  const outside = frames() ?? [];
  try {
    disposeAll(runJvp((x) => jvp((y: JaxArray) => ((inJvp2 = frames()), y), [x], [np.array(1)])[0], [np.array(0)], [np.array(1)]));
    const f = jit((x: JaxArray) => ((inJit = frames()), x));
    disposeAll(f(np.array(0)));
    f.dispose();
  } catch (error) {
    return cannot(`probing the stack failed (${error instanceof Error ? error.message : String(error)})`);
  }
  if (inJvp2 === undefined || inJit === undefined) return cannot('the stack could not be read inside jvp or jit');
  // Counted beyond the frames already there outside (the probe may run inside a user's grad or jit).
  const excess = (sample: readonly Frame[], key: string): number => occurring(sample, key) - occurring(outside, key);
  // Frame 0 is the probe's own function; jax-js's frames start at 1.
  const mark = (sample: readonly Frame[], counts: readonly [number, number, number]): Frame | undefined =>
    sample.slice(1).find((frame) => excess(inJvp!, frame.key) === counts[0] && excess(inJvp2!, frame.key) === counts[1] && excess(inJit!, frame.key) === counts[2]);
  const jvpMark = mark(inJvp, [1, 2, 0]);
  const jitMark = mark(inJit, [0, 0, 1]);
  if (jvpMark === undefined) return cannot('no call-site position marks a running jvp (were jax-js\'s transformation functions inlined by a build step?)');
  if (jitMark === undefined) return cannot('no call-site position marks a jit trace being built');
  const [jvpKey, jitKey] = [jvpMark.key, jitMark.key];
  const read = (): Depth | undefined => {
    const now = frames();
    if (now === undefined) return undefined;
    let total = 0;
    let insideJit = 0;
    let tracingJit = false;
    // The frames from the innermost jit frame to the innermost jvp frame inside it: two reads
    // in one call of a jitted function share them, and differ from a read in another nesting.
    let inside: string[] = [];
    let upTo = 0;
    // Outermost first: jvp frames after the innermost jit frame run inside that trace.
    for (let i = now.length - 1; i >= 0; i--) {
      const key = now[i]!.key;
      if (key === jitKey) {
        tracingJit = true;
        insideJit = 0;
        inside = [];
        upTo = 0;
        continue;
      }
      inside.push(key);
      if (key === jvpKey) {
        total++;
        insideJit++;
        upTo = inside.length;
      }
    }
    return { total, tracingJit, insideJit: tracingJit ? insideJit : 0, insideKey: tracingJit ? inside.slice(0, upTo).join(' ') : '' };
  };
  // Required, not assumed: the reading must say 1 inside one jvp, 2 inside two, and see jit.
  const base = read();
  const one = readInside(runJvp, read, 1);
  const two = readInside(runJvp, read, 2);
  let jitDepth: Depth | undefined;
  try {
    const f = jit((x: JaxArray) => ((jitDepth = read()), x));
    disposeAll(f(np.array(0)));
    f.dispose();
  } catch {
    jitDepth = undefined;
  }
  const more = (depth: Depth | undefined): number | undefined => (depth === undefined || base === undefined ? undefined : depth.total - base.total);
  if (more(one) !== 1 || more(two) !== 2) {
    return cannot(`the stack reading gave ${more(one) ?? 'nothing'} inside one jvp and ${more(two) ?? 'nothing'} inside two (1 and 2 expected)`);
  }
  if (jitDepth?.tracingJit !== true || jitDepth.insideJit !== 0 || more(jitDepth) !== 0) return cannot('the stack reading does not see a jit trace being built');
  return { read };
}

function readInside(runJvp: ProbeParts['jvp'], read: () => Depth | undefined, levels: 1 | 2): Depth | undefined {
  let depth: Depth | undefined;
  const inner = (y: JaxArray): JaxArray => ((depth = read()), y);
  try {
    const f = levels === 1 ? inner : (x: JaxArray): JaxArray => jvp(inner, [x], [np.array(1)])[0];
    disposeAll(runJvp(f, [np.array(0)], [np.array(1)]));
  } catch {
    return undefined;
  }
  return depth;
}

/**
 * How many forward-mode transformations enclose the running code, or why that cannot be told:
 * a string (the probe could not learn to read the stack, or the stack cannot be read now).
 */
export function differentiationDepth(): Depth | string {
  const { depth } = probe();
  if ('unreadable' in depth) return depth.unreadable;
  return depth.read() ?? 'the call stack cannot be read now';
}

/** The base class of jax-js arrays and tracers (`Array extends Tracer`), which jax-js does not export. */
const TracerBase = Object.getPrototypeOf(JaxArray) as abstract new (...args: never[]) => JaxArray;

/** True for a jax-js array or a tracer of any of its transformations. */
export function isArrayOrTracer(value: unknown): value is JaxArray {
  return value instanceof TracerBase;
}

/** True for a tracer of a running transformation (jvp, grad, vmap, jit), not a concrete array. */
export function isTracer(value: unknown): value is JaxArray {
  return isArrayOrTracer(value) && levelOf(value) > 0;
}

/** Which transformation `x` belongs to (`'array'` for a concrete array, `undefined` for a non-jax value). */
export function kindOf(x: unknown): TracerKind {
  if (x instanceof JaxArray) return 'array';
  const { classes } = probe();
  if (x instanceof classes.jvp) return 'jvp';
  if (x instanceof classes.batch) return 'batch';
  if (x instanceof classes.jit) return 'jit';
  if (x instanceof classes.partial) return 'partial';
  return 'unknown';
}

/** The trace level of a jax-js value (0 for a concrete array). */
export function levelOf(x: unknown): number {
  return (x as { _trace?: { main?: { level?: number } } })._trace?.main?.level ?? 0;
}

/** The trace of a jax-js tracer. */
export function traceOf(x: unknown): TraceView {
  return (x as { _trace: TraceView })._trace;
}

/** True when `x` is a tracer of `trace` (the same transformation, not only the same kind). */
export function isOfTrace(x: unknown, trace: TraceView): boolean {
  return typeof x === 'object' && x !== null && (x as { _trace?: TraceView })._trace?.main === trace.main;
}

/** A JVP tracer's primal and tangent (borrowed: the tracer keeps owning them). */
export function jvpParts(x: JaxArray): { primal: JaxArray; tangent: JaxArray } {
  const t = x as unknown as { primal: JaxArray; tangent: JaxArray };
  return { primal: t.primal, tangent: t.tangent };
}

/** A new JVP tracer of `trace`; it takes over the references of `primal` and `tangent`. */
export function makeJvpTracer(trace: TraceView, primal: JaxArray, tangent: JaxArray): JaxArray {
  const JVPTracer = probe().classes.jvp as unknown as new (trace: TraceView, primal: JaxArray, tangent: JaxArray) => JaxArray;
  return new JVPTracer(trace, primal, tangent);
}

/** A batch tracer's value and batch axis (`null`: not batched); the value is borrowed. */
export function batchParts(x: JaxArray): { val: JaxArray; dim: number | null } {
  const t = x as unknown as { val: JaxArray; batchDim: number | null };
  return { val: t.val, dim: t.batchDim };
}

/** A new batch tracer of `trace` over `val`, batched along `dim`; it takes over `val`'s reference. */
export function makeBatchTracer(trace: TraceView, val: JaxArray, dim: number): JaxArray {
  const BatchTracer = probe().classes.batch as unknown as new (trace: TraceView, val: JaxArray, dim: number) => JaxArray;
  return new BatchTracer(trace, val, dim);
}

/** The size of the batch axis of a vmap trace. */
export function batchSize(trace: TraceView): number {
  return (trace.main as { globalData: number }).globalData;
}

/** The value a partial-evaluation tracer stands for, when it is known (borrowed). */
export function knownValue(x: JaxArray): JaxArray | undefined {
  const pval = (x as unknown as { pval?: { isKnown?: boolean; val?: JaxArray } }).pval;
  return pval?.isKnown === true ? pval.val : undefined;
}

/**
 * Arms `x` (a concrete array) so that `check` runs whenever jax-js takes a reference to it —
 * which jit does, for each constant of a cached trace, every time the jitted function is
 * called. `check` may throw to refuse the call.
 */
export function armOnReference(x: JaxArray, check: () => void): void {
  const getter = Object.getOwnPropertyDescriptor(JaxArray.prototype, 'ref')?.get;
  if (getter === undefined) throw probeFailed("the array's 'ref' accessor");
  Object.defineProperty(x, 'ref', {
    configurable: true,
    get(this: JaxArray) {
      check();
      return getter.call(this) as JaxArray;
    },
  });
}

/**
 * Plants a tripwire in the jit trace being built: a constant of the trace (a one-element array:
 * scalars are inlined as literals) armed with {@link armOnReference}, so that `check` runs at
 * every later call of the jitted function, traced again or reused from jit's cache.
 */
export function plantTripwire(check: () => void): void {
  const wire = np.zeros([1]);
  // Used once in the trace, before it is armed: that use makes it a constant of the trace.
  np.add(wire.ref, 0).dispose();
  armOnReference(wire, check);
  wire.dispose(); // the trace keeps its own reference, released with the jitted function
}

/** A `vjp` pullback: cotangents of the outputs in, cotangents of the inputs out; `dispose()` releases what it holds. */
export type Pullback = ((cotangents: JaxArray[]) => JaxArray[]) & { dispose(): void };

/**
 * jax-js's `vjp` of `f` at `primals`, with the partial-evaluation trace it leaves on jax-js's
 * trace stack taken off again (0.1.25 pushes one there and never pops it). Run inside another
 * transformation — the adapter traces a pullback inside the jvp of a `grad` — that leftover
 * sits above the transformation's own entry, which then pops the leftover on exit and leaves
 * its own behind: jax-js misjudges the current level from then on (`valueAndGrad` with
 * `hasAux` hands back its aux output as a tracer). The trace is the one of the known values
 * `f` is handed (the primals of its JVP tracers), and it is on top when `vjp` returns or throws.
 */
export function vjpClosed(f: (...xs: JaxArray[]) => JaxArray[], primals: JaxArray[]): [JaxArray[], Pullback] {
  let main: unknown;
  const traced = (...xs: JaxArray[]): JaxArray[] => {
    const primal = xs[0] === undefined || kindOf(xs[0]) !== 'jvp' ? undefined : jvpParts(xs[0]).primal;
    if (main === undefined && primal !== undefined && kindOf(primal) === 'partial') main = traceOf(primal).main;
    return f(...xs);
  };
  try {
    return vjp(traced, primals) as unknown as [JaxArray[], Pullback];
  } finally {
    const dispose = (Symbol as { dispose?: symbol }).dispose;
    const pop = dispose === undefined ? undefined : (main as Record<symbol, unknown> | undefined)?.[dispose];
    if (typeof pop === 'function') (pop as () => void).call(main);
  }
}
