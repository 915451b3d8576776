/*
 * Leak repair. An exception thrown while a gradient is taken (in a rule, a pullback, the
 * user's function or TF.js's own backprop) leaves TF.js's tape set with the saved tensors of
 * every node on it: the next gradient drops the tape without disposing them. A backward pass
 * that throws also loses the function's value when the gradient was taken outside any scope
 * (see `releaseLostValue`). The adapter remembers every tape a rule call was recorded on (and
 * the tape of each failure it sees) and, once that tape is no longer in use, disposes the
 * saved tensors itself (a no-op for a tape TF.js finished normally: it disposed them already)
 * and, for an abandoned tape, the lost value. What it reads of TF.js is in `internals.ts`.
 */
import type { Tape } from './internals';
import { activeTape, disposeSaved, dropTape, gradientDepth, inEngineBackward, outputTensors, tapeIsOn, trackedByLiveScope } from './internals';

const suspects = new Set<Tape>();
let backwardDepth = 0;
let sweepQueued = false;

/** True while TF.js records operations on its tape (inside a gradient, outside a kernel). */
export function isRecording(): boolean {
  const tape = activeTape();
  // Something to release: a watched tape that is not the one in use, or a tape set while no
  // gradient records (abandoned, or in a backward pass: `sweep` tells).
  const watching = tape !== undefined && suspects.has(tape) ? 1 : 0;
  if (suspects.size > watching || (tape !== undefined && gradientDepth() === 0)) sweep();
  const recording = tapeIsOn();
  // A rule-aware call on this tape may still fail before it reaches the adapter (core refusing
  // its options): watch the tape, so that it is released if the gradient is abandoned.
  if (recording && tape !== undefined) watch(tape);
  return recording;
}

function queueSweep(): void {
  if (sweepQueued) return;
  sweepQueued = true;
  queueMicrotask(() => {
    sweepQueued = false;
    sweep();
  });
}

/** Watches a tape a rule call was recorded on: it is released (checked) once no longer in use. */
export function watch(tape: Tape): void {
  if (suspects.has(tape)) return;
  suspects.add(tape);
  queueSweep();
}

/** Notes that an error is leaving a gradient computation; the tape is released once it is abandoned. */
export function noteFailure(): void {
  const tape = activeTape();
  if (tape === undefined) return;
  suspects.add(tape);
  // The first backward pass (depth 0) is done with its tape the moment it throws.
  if (gradientDepth() === 0 && backwardDepth <= 1) release(tape);
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

function release(tape: Tape): void {
  suspects.delete(tape);
  // TF.js unsets the tape and disposes its saved tensors when a gradient finishes: a tape still
  // set, or with a saved tensor alive, belongs to a gradient that threw.
  const set = activeTape() === tape;
  if (disposeSaved(tape) || set) releaseLostValue(tape);
  if (set) dropTape(tape);
}

/**
 * Disposes the value of an abandoned gradient's function when nothing else will. TF.js runs
 * the function in a `tidy` and hands its result (the loss) to the enclosing scope; when the
 * gradient was taken outside any scope (`optimizer.minimize`, `tf.variableGrads`,
 * `tf.valueAndGrads` outside `tf.tidy`) and backprop throws, the caller never receives it. It
 * is the one tensor a node on the tape made that the forward's `tidy` left alive and no live
 * scope tracks (a tensor the user kept with `tf.keep` is theirs).
 */
function releaseLostValue(tape: Tape): void {
  for (const tensor of outputTensors(tape)) if (!tensor.isDisposed && !tensor.kept && !trackedByLiveScope(tensor)) tensor.dispose();
}

/**
 * Releases every watched tape that is no longer in use: replaced, or still set while no
 * gradient is taken (depth 0) and no backward pass runs (TF.js's own, or the adapter's
 * pullbacks, which count `backwardDepth`).
 */
function sweep(): void {
  const idle = () => gradientDepth() === 0 && backwardDepth === 0 && !inEngineBackward();
  const current = activeTape();
  // A tape still set while idle was abandoned (TF.js unsets it when a gradient ends), whether a rule was on it or not.
  if (current !== undefined && idle()) suspects.add(current);
  for (const tape of [...suspects]) {
    if (tape !== current || idle()) release(tape);
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
