/*
 * Everything the adapter reads, writes or relies on inside TensorFlow.js that TF.js does not
 * document, behind named functions, each proven by test/versionGuard.test.ts (tested with
 * `@tensorflow/tfjs-core` 4.22), so that a TF.js release that changes one breaks this file:
 *
 * - `engine().state`, typed but undocumented: the gradient and kernel depths, the active tape
 *   and its nodes' `outputs` and `saved` tensors, the scope stack (its scopes' names, ids and
 *   tracked tensors);
 * - a tensor's `scopeId`, and that tensor ids only grow;
 * - the engine's `runKernelFunc`, which records a node with the forward and the lazy
 *   per-input gradients the adapter gives it (`tf.customGrad` is built on it), and the
 *   recorded node's `gradient`, which backprop calls with one cotangent per output, `null`
 *   where none reached it (TF.js's own wrapper would turn those into arrays of zeros).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** The parts of a TF.js tape node the adapter touches. */
interface TapeNode {
  readonly outputs: readonly Tensor[];
  readonly saved?: Tensor[];
  /** What TF.js's backprop calls with one cotangent per output (`null` where none reached it). */
  gradient?: (dys: (Tensor | null)[]) => Record<string, () => Tensor>;
}

/** A TF.js tape: the nodes a gradient records, oldest first. */
export type Tape = readonly TapeNode[];

interface Scope {
  readonly name: string;
  readonly id: number;
  readonly track: readonly Tensor[];
}

interface EngineState {
  gradientDepth: number;
  kernelDepth: number;
  activeTape: TapeNode[] | null | undefined;
  activeScope: Scope | null;
  scopeStack: readonly Scope[];
}

const state = (): EngineState => tf.engine().state as unknown as EngineState;

/** How many gradients are being taken at once: 1 inside `tf.grad(f)`, 2 inside `tf.grad(tf.grad(f))`'s inner `f`. */
export function gradientDepth(): number {
  return state().gradientDepth;
}

/** True while TF.js's tape is on (inside a gradient, outside a kernel): what an op runs now becomes a tape node. */
export function tapeIsOn(): boolean {
  const s = state();
  return s.gradientDepth > 0 && s.kernelDepth === 0;
}

/** The tape TF.js records on now, or keeps after a gradient that threw; `undefined` when there is none. */
export function activeTape(): Tape | undefined {
  return state().activeTape ?? undefined;
}

/** Unsets the active tape when it is `tape` (TF.js unsets it when a gradient ends; one that threw leaves it set). */
export function dropTape(tape: Tape): void {
  const s = state();
  if (s.activeTape === tape) s.activeTape = null;
}

/**
 * Disposes the tensors a tape's nodes keep for the backward pass (TF.js disposes them when a
 * gradient ends; one that threw leaves them). True when any of them was still alive.
 */
export function disposeSaved(tape: Tape): boolean {
  let alive = false;
  for (const node of tape) {
    for (const tensor of node.saved ?? []) {
      if (tensor.isDisposed) continue;
      alive = true;
      tensor.dispose();
    }
  }
  return alive;
}

/** The tensors a tape's nodes produced. */
export function outputTensors(tape: Tape): Tensor[] {
  return tape.flatMap((node) => node.outputs);
}

/**
 * Hands `tensors` to the tape node that just recorded `output`, so that TF.js disposes them
 * with the node's own saved tensors at the end of the outermost gradient. Returns false when
 * there is no such node (nothing recorded).
 */
export function saveOnNode(output: Tensor, tensors: readonly Tensor[]): boolean {
  const tape = state().activeTape;
  const node = tape?.[tape.length - 1];
  if (node === undefined || node.outputs[0] !== output || node.saved === undefined) return false;
  node.saved.push(...tensors);
  return true;
}

/** The tensors made so far in the innermost scope (a `tf.tidy`): what a function run in it allocated. */
export function scopeTensors(): readonly Tensor[] {
  return state().activeScope?.track ?? [];
}

/** True while TF.js's own backward pass runs (its backprop runs in a scope it names 'backward'). */
export function inEngineBackward(): boolean {
  return state().scopeStack.some((scope) => scope.name === 'backward');
}

/** True when a live scope (a `tf.tidy` still running) tracks `tensor`: that scope will dispose it. */
export function trackedByLiveScope(tensor: Tensor): boolean {
  const id = (tensor as unknown as { scopeId?: number }).scopeId;
  return state().scopeStack.some((scope) => scope.id === id);
}

/**
 * True when `tensor` will be disposed when the running gradient's forward pass ends (before its
 * backward pass): not kept, and tracked by the forward's scope (TF.js names it 'forward') or by
 * one opened inside it (scope ids only grow). Conservatively true when no such scope is found.
 */
export function endsWithForward(tensor: Tensor): boolean {
  if (tensor.kept) return false;
  const id = (tensor as unknown as { scopeId?: number }).scopeId;
  if (id === undefined) return false;
  const forward = state().scopeStack.find((scope) => scope.name === 'forward');
  return forward === undefined || id >= forward.id;
}

/** True when `tensor` was made after `than` (TF.js numbers tensors in the order it makes them). */
export function madeAfter(tensor: Tensor, than: Tensor): boolean {
  return tensor.id > than.id;
}

/* The adapter's tape nodes: run with the engine's `runKernelFunc`, the undocumented method
 * `tf.customGrad` runs on, with lazy per-input gradients (`tf.customGrad` computes every input's
 * gradient at once) and as many outputs as the rule has tensors in its output. A node is named
 * after the scope it runs in, and TF.js swaps in a kernel's registered gradient for a node named
 * like that kernel (a user's `tf.tidy('Sin', …)`): so a rule's node runs in a scope of the
 * adapter's own name, which is no kernel's. */

/** A tape node whose forward and gradient the adapter supplies per call. */
export interface RuleNode {
  /** The node's outputs (one at least), made with the tape off. */
  forward(): Tensor[];
  /**
   * One lazy gradient per input, from one cotangent per output — `null` for an output no
   * cotangent reached (TF.js would hand an array of zeros there) — and the node's saved
   * tensors: TF.js asks for an input's gradient only when it needs it.
   */
  backward(dys: readonly (Tensor | null)[], saved: Tensor[]): Record<string, () => Tensor>;
}

interface Invocation {
  forwardFunc(): Tensor[];
  backwardsFunc?: (dy: Tensor | Tensor[], saved: Tensor[]) => Record<string, () => Tensor>;
  inputs: Record<string, Tensor>;
}

const NODE_SCOPE = 'ChainrulesRuleCall';

const runKernelFunc = (invocation: Invocation): Tensor[] => (tf.engine() as unknown as { runKernelFunc(invocation: Invocation): Tensor[] }).runKernelFunc(invocation);

/**
 * Runs `node.forward()` as one node whose inputs are `inputs` and whose outputs are the tensors
 * it returns, in a scope TF.js disposes what the forward made in (but its outputs): while the
 * tape is on, TF.js records one node with the tape off inside it, and its backward pass calls
 * `node.backward` with one cotangent per output (`null` where none reached it) and the node's
 * saved tensors (where {@link saveOnNode} puts more).
 */
export function runRuleNode(inputs: readonly Tensor[], node: RuleNode): Tensor[] {
  const named: Record<string, Tensor> = {};
  for (let i = 0; i < inputs.length; i++) named[i] = inputs[i]!;
  return tf.tidy(NODE_SCOPE, () => {
    const outs = runKernelFunc({
      forwardFunc: () => node.forward(),
      // What TF.js calls if the node's gradient could not be replaced below: zeros for no cotangent.
      backwardsFunc: (dy, saved) => node.backward(Array.isArray(dy) ? dy : [dy], saved),
      inputs: named,
    });
    const tape = state().activeTape;
    const recorded = tape?.[tape.length - 1];
    if (recorded !== undefined && recorded.outputs[0] === outs[0] && recorded.gradient !== undefined) {
      // Backprop calls a node's gradient with null for an output no cotangent reached; TF.js's
      // own wrapper would make zeros of it (and hand a lone dy to a one-output node).
      recorded.gradient = (dys) => node.backward(dys, recorded.saved ?? []);
    }
    return outs;
  });
}

/**
 * `f()` (one new tensor), cut off from TF.js's tape: run as a node without inputs, so that
 * nothing downstream of it reaches back to what it read.
 */
export function runDetached(f: () => Tensor): Tensor {
  return runKernelFunc({ forwardFunc: () => [f()], inputs: {} })[0]!;
}

/**
 * Runs `f`, a gradient of TF.js's engine taken while no gradient records (depth 0) — in a
 * backward pass, or outside any gradient — with the active tape set aside and put back after:
 * at depth 0 TF.js's `gradients()` replaces the active tape and unsets it when done, and in a
 * backward pass that tape is still the outer gradient's, which TF.js reads when it finishes.
 * Inside a kernel (a rule's forward pass, which runs as one tape node) TF.js records nothing,
 * so a gradient taken there would find no path and give none: it gets a tape of its own — depth
 * and kernel depth 0 while it runs, the outer state put back after (nothing inside a kernel
 * belongs on the outer tape: the node stands for it).
 */
export function withTapeAside<T>(f: () => T): T {
  const s = state();
  if (s.kernelDepth > 0) {
    const { activeTape, gradientDepth, kernelDepth } = s;
    s.gradientDepth = 0;
    s.kernelDepth = 0;
    try {
      return f();
    } finally {
      s.activeTape = activeTape;
      s.gradientDepth = gradientDepth;
      s.kernelDepth = kernelDepth;
    }
  }
  if (s.gradientDepth !== 0) return f();
  const outer = s.activeTape;
  try {
    return f();
  } finally {
    s.activeTape = outer;
  }
}
