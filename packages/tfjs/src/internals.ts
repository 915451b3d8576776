/*
 * Everything the adapter reads, writes or relies on inside TensorFlow.js that TF.js does not
 * document, behind named functions, each proven by test/versionGuard.test.ts (tested with
 * `@tensorflow/tfjs-core` 4.22), so that a TF.js release that changes one breaks this file:
 *
 * - `engine().state`, typed but undocumented: the gradient and kernel depths, the active tape
 *   and its nodes' `outputs` and `saved` tensors, the scope stack (its scopes' names, ids and
 *   tracked tensors);
 * - a tensor's `scopeId`, and that tensor ids only grow;
 * - two kernels registered under the adapter's own names and run with `engine().runKernel`
 *   (TF.js documents kernel registration for backends, not for ops).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';

/** The parts of a TF.js tape node the adapter touches. */
interface TapeNode {
  readonly outputs: readonly Tensor[];
  readonly saved?: Tensor[];
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

/** The tensors a tape's nodes keep for the backward pass (TF.js disposes them when a gradient ends). */
export function savedTensors(tape: Tape): Tensor[] {
  return tape.flatMap((node) => node.saved ?? []);
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

/* The adapter's kernels. Their names are no TF.js kernel's: a kernel or scope named like one
 * (`'Sin'`) makes TF.js swap in that kernel's registered gradient. */

/** A tape node whose forward and gradient the adapter supplies per call (through the kernel's attrs). */
export interface RuleNode {
  forward(): Tensor;
  /** One lazy gradient per input: TF.js asks for an input's gradient only when it needs it. */
  backward(dy: Tensor, saved: Tensor[]): Record<string, () => Tensor>;
}

const RULE_KERNEL = 'ChainrulesRuleCall';
const DETACHED_KERNEL = 'ChainrulesDetached';
/** The backends the kernels are registered for (checked once per backend, not per call). */
const registered = new Set<string>();

function registerKernels(backend: string): void {
  if (tf.getKernel(RULE_KERNEL, backend) === undefined) {
    tf.registerKernel({ kernelName: RULE_KERNEL, backendName: backend, kernelFunc: ({ attrs }) => (attrs as unknown as { node: RuleNode }).node.forward() });
  }
  if (tf.getGradient(RULE_KERNEL) === undefined) {
    tf.registerGradient({
      kernelName: RULE_KERNEL,
      gradFunc: (dy, saved, attrs) => (attrs as unknown as { node: RuleNode }).node.backward(dy as Tensor, saved),
    });
  }
  if (tf.getKernel(DETACHED_KERNEL, backend) === undefined) {
    tf.registerKernel({ kernelName: DETACHED_KERNEL, backendName: backend, kernelFunc: ({ attrs }) => tf.tidy((attrs as unknown as { f: () => Tensor }).f) });
  }
  registered.add(backend);
}

function runKernel(name: string, inputs: readonly Tensor[], attrs: object): Tensor {
  const backend = tf.getBackend();
  if (!registered.has(backend)) registerKernels(backend);
  return tf.engine().runKernel(name, inputs as unknown as NamedTensorMap, attrs as NamedAttrMap) as Tensor;
}

/**
 * Runs `node.forward()` as one kernel whose inputs are `inputs`: while the tape is on, TF.js
 * records one node, and its backward pass calls `node.backward` (with the node's saved
 * tensors, where {@link saveOnNode} puts more).
 */
export function runRuleNode(inputs: readonly Tensor[], node: RuleNode): Tensor {
  return runKernel(RULE_KERNEL, inputs, { node });
}

/**
 * `f()` (one new tensor), cut off from TF.js's tape: run as a kernel without inputs, so that
 * nothing downstream of it reaches back to what it read.
 */
export function runDetached(f: () => Tensor): Tensor {
  return runKernel(DETACHED_KERNEL, [], { f });
}
