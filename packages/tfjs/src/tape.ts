/*
 * What the adapter reads from (and repairs in) TF.js's engine state. `engine().state` is typed
 * in `@tensorflow/tfjs-core` but undocumented; every use of it is in this file, so that a
 * change in TF.js breaks one place (and the version-guard tests).
 */
import { engine } from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** The parts of a TF.js tape node the adapter touches. */
interface TapeNode {
  readonly outputs: readonly Tensor[];
  readonly saved?: Tensor[];
}

interface EngineState {
  gradientDepth: number;
  kernelDepth: number;
  activeTape: TapeNode[] | null | undefined;
  activeScope: { readonly track: readonly Tensor[] } | null;
  scopeStack: readonly { readonly name: string; readonly id: number }[];
}

const state = (): EngineState => engine().state as unknown as EngineState;

/** True while TF.js records operations on its tape (inside a gradient, outside a kernel). */
export function isRecording(): boolean {
  const s = state();
  if (suspects.size > 0 || (s.activeTape != null && s.gradientDepth === 0)) sweep();
  const recording = s.gradientDepth > 0 && s.kernelDepth === 0;
  // A rule-aware call on this tape may still fail before it reaches the adapter (core refusing
  // its options): watch the tape, so that it is released if the gradient is abandoned.
  if (recording && s.activeTape != null) watch(s.activeTape);
  return recording;
}

/**
 * True while TF.js's tape is on (inside a gradient, outside a kernel): what an op runs now
 * becomes a tape node. Unlike `isRecording`, it releases nothing.
 */
export function tapeIsOn(): boolean {
  const s = state();
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/** How many gradients are being taken at once: 1 inside `tf.grad(f)`, 2 inside `tf.grad(tf.grad(f))`'s inner `f`. */
export function gradientDepth(): number {
  return state().gradientDepth;
}

/** The tensors made so far in the innermost scope (a `tf.tidy`), to find a rule's residuals. */
export function scopeTensors(): readonly Tensor[] {
  return state().activeScope?.track ?? [];
}

/**
 * Hands `tensors` to the tape node that just recorded `output`, so that TF.js disposes them
 * with the node's own saved tensors at the end of the outermost gradient. Returns false when
 * there is no such node (nothing recorded): the caller then disposes them itself.
 */
export function attachToNode(output: Tensor, tensors: readonly Tensor[]): boolean {
  const tape = state().activeTape;
  const node = tape?.[tape.length - 1];
  if (node === undefined || node.outputs[0] !== output || node.saved === undefined) return false;
  node.saved.push(...tensors);
  watch(tape!);
  return true;
}

/* Leak repair. An exception thrown while a gradient is taken (in a rule, a pullback, the
 * user's function or TF.js's own backprop) leaves TF.js's tape set with the saved tensors of
 * every node on it: the next gradient drops the tape without disposing them. A backward pass
 * that throws also loses the function's value when the gradient was taken outside any scope
 * (see `releaseLostValue`). The adapter remembers every tape a rule call was recorded on (and
 * the tape of each failure it sees) and, once that tape is no longer in use, disposes the
 * saved tensors itself (a no-op for a tape TF.js finished normally: it disposed them already)
 * and, for an abandoned tape, the lost value.
 */
const suspects = new Set<TapeNode[]>();
let backwardDepth = 0;
let sweepQueued = false;

function queueSweep(): void {
  if (sweepQueued) return;
  sweepQueued = true;
  queueMicrotask(() => {
    sweepQueued = false;
    sweep();
  });
}

/** Watches a tape a rule call was recorded on: it is released (checked) once no longer in use. */
function watch(tape: TapeNode[]): void {
  if (suspects.has(tape)) return;
  suspects.add(tape);
  queueSweep();
}

/** Notes that an error is leaving a gradient computation; the tape is released once it is abandoned. */
export function noteFailure(): void {
  const tape = state().activeTape;
  if (tape == null) return;
  suspects.add(tape);
  // The first backward pass (depth 0) is done with its tape the moment it throws.
  if (state().gradientDepth === 0 && backwardDepth <= 1) release(tape);
  else queueSweep();
}

/** Runs `f` as part of a backward pass (while it runs, a tape at depth 0 is in use). */
export function inBackward<T>(f: () => T): T {
  backwardDepth++;
  try {
    return f();
  } finally {
    backwardDepth--;
  }
}

function release(tape: TapeNode[]): void {
  suspects.delete(tape);
  const s = state();
  // TF.js unsets the tape and disposes its saved tensors when a gradient finishes: a tape still
  // set, or with a saved tensor alive, belongs to a gradient that threw.
  const abandoned = s.activeTape === tape || tape.some((node) => node.saved?.some((tensor) => !tensor.isDisposed));
  for (const node of tape) for (const tensor of node.saved ?? []) tensor.dispose();
  if (abandoned) releaseLostValue(tape);
  if (s.activeTape === tape) s.activeTape = null;
}

/**
 * Disposes the value of an abandoned gradient's function when nothing else will. TF.js runs
 * the function in a `tidy` and hands its result (the loss) to the enclosing scope; when the
 * gradient was taken outside any scope (`optimizer.minimize`, `tf.variableGrads`,
 * `tf.valueAndGrads` outside `tf.tidy`) and backprop throws, the caller never receives it. It
 * is the one tensor a node on the tape made that the forward's `tidy` left alive and no live
 * scope tracks (a tensor the user kept with `tf.keep` is theirs).
 */
function releaseLostValue(tape: TapeNode[]): void {
  const live = new Set(state().scopeStack.map((scope) => scope.id));
  for (const node of tape) {
    for (const tensor of node.outputs) if (!tensor.isDisposed && !tensor.kept && !live.has(tensor.scopeId)) tensor.dispose();
  }
}

/**
 * Releases every watched tape that is no longer in use: replaced, or still set while no
 * gradient is taken (depth 0) and no backward pass runs (TF.js's backprop runs in a scope it
 * names 'backward'; the adapter's own pullbacks count `backwardDepth`).
 */
function sweep(): void {
  const s = state();
  const idle = () => s.gradientDepth === 0 && backwardDepth === 0 && !s.scopeStack.some((scope) => scope.name === 'backward');
  // A tape still set while idle was abandoned (TF.js unsets it when a gradient ends), whether a rule was on it or not.
  if (s.activeTape != null && idle()) suspects.add(s.activeTape);
  for (const tape of [...suspects]) {
    if (tape !== s.activeTape || idle()) release(tape);
  }
}

/**
 * Frees, now, the tensors TF.js left behind when a gradient threw (its tape's saved tensors,
 * and the function's value when the gradient was taken outside `tf.tidy`, as
 * `optimizer.minimize` and `tf.variableGrads` often are), for tapes no longer in use: every
 * tape a rule call was recorded on, and the tape TF.js still has set after the last failed
 * gradient even when no rule was on it. The adapter does this by itself (at once for an error
 * in a rule's first-order pullback, otherwise once the call stack unwinds or at the next
 * rule-aware call); call it when checking `tf.memory()` right after an error, or after a failed
 * step of a training loop with no rule on its tape.
 *
 * @example
 * ```ts
 * try {
 *   tf.grad((x) => tf.grad(risky)(x))(x0);
 * } catch {
 *   releaseAbandonedTapes();
 *   console.log(tf.memory().numTensors); // as before the gradient
 * }
 * ```
 */
export function releaseAbandonedTapes(): void {
  sweep();
}
