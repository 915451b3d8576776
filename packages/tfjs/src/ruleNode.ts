/*
 * A rule-aware call while TF.js records: one tape node whose forward is the rrule and whose
 * gradient is its pullback — like `tf.customGrad`, but TF.js asks its gradient one input at a
 * time, so a cotangent nobody needs is never projected (nor computed, when the rule returns
 * it as a thunk).
 *
 * Several outputs: a rule that returns a tuple or a record (nested) of tensors records one node
 * with one output per tensor. Its pullback gets their `Tangent`: `ZeroTangent` for an output
 * no cotangent reached (never an array of zeros), `NoTangent` for an int or bool tensor and for
 * any leaf that is not a tensor (a count, a label), which pass through with no derivative.
 *
 * Residuals: in the outermost gradient (depth 1) the rrule's pullback is kept with the
 * tensors it closes over, and those are handed to the tape node's saved tensors, which TF.js
 * disposes at the end of the gradient. In an inner gradient (depth ≥ 2, higher order) the
 * forward runs with the tape off, so its residuals would be constants to the outer gradient:
 * there the rrule runs again in the backward pass, with the tape on, on clones of the inputs
 * made (and recorded) before the node ran.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { NoTangent, RuleError, isThunk, unthunk } from '@chainrules/core';
import { findValue, isContainer, projectTo, treeLeaves, treeTangent, treeWith } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import { tfjsConfig } from './config';
import { activeTape, endsWithForward, gradientDepth, madeAfter, runRuleNode, saveOnNode, scopeTensors } from './internals';
import type { RuleNode } from './internals';
import { inBackward, noteFailure, watch } from './tape';
import { tfjsApi } from './tfjsApi';

/** Runs a part of the rule (the explicit `wrap` form installs the adapter around it). */
export type During = <T>(f: () => T) => T;

const OPTED_OUT = Symbol('opted out');

/** A rule's one output as a float32 tensor (a plain number becomes a scalar). */
function outputTensor(y: unknown, rule: string): Tensor {
  if (y instanceof tf.Tensor) return y.dtype === 'float32' ? y : tf.cast(y, 'float32');
  if (typeof y === 'number') return tf.scalar(y, 'float32');
  throw new RuleError('unsupported', {
    rule,
    slot: 'output',
    message: 'the rrule returned something other than a tensor, a number, or a plain record or list of them; a TF.js tape node cannot output it.',
    fix: 'Return a tf.Tensor, or a tuple or a record of tensors (one tape node output per tensor).',
  });
}

/**
 * Where a rule's outputs stand: one float32 tensor (`leaves` undefined), or the leaves of a
 * tuple or a record, each a node output (its index) or a value passed through as it is.
 */
interface Outputs {
  /** The node's outputs (cloned: distinct from the inputs and the residuals). */
  readonly tensors: Tensor[];
  /** For a tree: the tree with its leaves replaced (the structure alone), and per leaf its node output or `undefined`. */
  readonly tree?: { readonly skeleton: unknown; readonly at: readonly (number | undefined)[]; readonly values: readonly unknown[] };
}

const isTensor = (value: unknown): value is Tensor => value instanceof tf.Tensor;

/** The node outputs of a rule's output `y`: its tensors, cloned; a tree's other leaves pass through (a tensor hidden in one is refused). */
function outputsOf(y: unknown, rule: string): Outputs {
  if (!isContainer(y)) return { tensors: [tf.clone(outputTensor(y, rule))] };
  const leaves = treeLeaves(y, { rule, slot: 'output' });
  const tensors: Tensor[] = [];
  const at = leaves.map(({ value, path }) => {
    if (isTensor(value)) return tensors.push(tf.clone(value)) - 1;
    // A tensor inside a Map or a class instance would leave the node with no gradient.
    const found = findValue(value, isTensor, { rule, slot: 'output' });
    if (found !== undefined) {
      throw new RuleError('unsupported', {
        rule,
        slot: ['output', ...path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${key}`))].join(''),
        message: `a tf.Tensor inside an output that is not a plain record or list (at ${found.where}) cannot be an output of the tape node, so it would get no gradient.`,
        fix: 'Return tensors in plain records and lists (a tuple, a record of outputs).',
      });
    }
    return undefined;
  });
  return { tensors, tree: { skeleton: treeWith(y, leaves.map(() => 0)), at, values: leaves.map(({ value }) => (isTensor(value) ? undefined : value)) } };
}

/** The output's cotangent for the pullback from one cotangent per node output: their `Tangent` for a tree. */
function outputCotangent(outputs: Outputs, dys: readonly (Tensor | null)[]): unknown {
  const { tree, tensors } = outputs;
  // One output: TF.js reaches it whenever it runs the node's gradient; zeros, as TF.js would, otherwise.
  if (tree === undefined) return dys[0] ?? tf.zeros(tensors[0]!.shape);
  return treeTangent(
    tree.skeleton,
    tree.at.map((m) => (m === undefined || tensors[m]!.dtype !== 'float32' ? NoTangent : (dys[m] ?? undefined))),
  );
}

/**
 * A cotangent, unthunked and projected by `project`. TF.js asks for each input's gradient
 * inside a `tidy` of its own, which would dispose what a thunk computed — yet a thunk remembers
 * its value, and another slot's thunk may read it later. So what the thunk computed is kept and
 * handed to the node's saved tensors (which TF.js disposes at the end of the gradient), but for
 * the cotangent itself when it is handed to TF.js as it is and the node's inputs are distinct
 * tensors (`distinct`): TF.js disposes a gradient it was handed only when the same input gets
 * another one, which then comes from another node, after this one's thunks have run.
 */
function cotangentOf(tangent: unknown, saved: Tensor[], distinct: boolean, project: (g: unknown) => Tensor): Tensor {
  if (!isThunk(tangent)) return project(tangent);
  const scope = scopeTensors();
  const before = scope.length;
  const value = unthunk(tangent);
  let madeValue = false;
  for (let j = before; j < scope.length; j++) {
    const made = scope[j]!;
    if (made === value) madeValue = true;
    if (!made.isDisposed && (made !== value || !distinct)) saved.push(tf.keep(made));
  }
  const out = project(value);
  if (madeValue && distinct && out !== value) saved.push(tf.keep(value as Tensor));
  return out;
}

const disposed = (rule: string, slot: string): RuleError =>
  new RuleError('disposed', {
    rule,
    slot,
    message: 'the cotangent tensor was disposed before TF.js could use it.',
    fix: 'Do not dispose tensors a pullback returns, and do not return tensors from an inner tf.tidy.',
  });

/**
 * The `finish` of a projection: a cotangent as TF.js's backprop takes it — float32, and a
 * tensor TF.js may dispose (it does, when it adds the next gradient for the same input).
 * When the node's inputs are distinct tensors, a tensor the pullback made in this backward pass
 * (after every incoming cotangent `dys`) is handed over as it is; a copy is handed for anything
 * else: an incoming cotangent, a tensor kept for later (a residual, a thunk's value), one made
 * before this backward pass, one already handed for another input — and for everything when
 * one tensor is two of the node's inputs.
 */
function handOver(dys: readonly Tensor[], distinct: boolean): (g: Tensor) => Tensor {
  const handed = new Set<Tensor>();
  return (g) => {
    if (g.dtype !== 'float32') return tf.cast(g, 'float32');
    const owned = !distinct || dys.length === 0 || dys.includes(g) || g.kept || !dys.every((dy) => madeAfter(g, dy)) || handed.has(g) ? tf.clone(g) : g;
    handed.add(owned);
    return owned;
  };
}

/**
 * Records `call` on TF.js's tape as one node driven by its rrule, and returns the node's
 * output (for a tuple or a record, the same tree with the node's outputs for its tensors). `inputAt` are the leaves that are float32 tensors (the node's inputs), `heldAt` the
 * leaves that are other tensors (static, kept alive for the backward pass). Returns
 * `call.primal('opted-out')` when the rule opts out of this call (TF.js then differentiates the plain
 * function). Errors reach the caller; a tape they leave behind is released (see `tape.ts`).
 */
export function recordCall(call: RuleCall, inputAt: readonly number[], heldAt: readonly number[], during: During): unknown {
  const leaves = call.leaves;
  const inputs = inputAt.map((k) => leaves[k]!.value as Tensor);
  const keep = gradientDepth() === 1;
  // Inner gradient: the backward pass recomputes from clones made here, with the tape on, so
  // that they stay connected to the inputs for the outer gradient.
  const recomputeFrom = keep ? [] : inputs.map((x) => tf.keep(tf.clone(x)));
  const distinct = inputs.every((x, i) => inputs.indexOf(x) === i);
  /** The leaf values with the inputs and held tensors replaced (`undefined`: the call's own). */
  const at = (xs: readonly Tensor[], held: readonly Tensor[]): unknown[] | undefined => {
    if (held.length === 0 && xs.every((x, i) => x === inputs[i])) return undefined;
    const values = leaves.map((leaf) => leaf.value);
    inputAt.forEach((k, i) => (values[k] = xs[i]));
    heldAt.forEach((k, i) => (values[k] = held[i]));
    return values;
  };
  /** Runs a part of the backward pass; an error leaving it marks the gradient as failed. */
  const step = <T>(f: () => T): T =>
    inBackward(() =>
      during(() => {
        try {
          return f();
        } catch (error) {
          noteFailure();
          throw error;
        }
      }),
    );
  let pullback: ((cotangent: unknown) => unknown[]) | undefined;
  let held: Tensor[] = [];
  let residuals: Tensor[] = [];
  let outputs: Outputs | undefined;

  const node: RuleNode = {
    // Runs in a scope of its own: what it made and did not keep is disposed when it returns.
    forward() {
      // Outermost gradient: what the pullback closes over must outlive the user's function,
      // whose intermediates TF.js disposes before backprop: the rule sees clones of those.
      const xs = keep ? inputs.map((x) => (endsWithForward(x) ? tf.clone(x) : x)) : inputs;
      held = heldAt.map((k) => tf.clone(leaves[k]!.value as Tensor));
      const result = call.rrule(tfjsConfig, at(xs, held));
      if (result === undefined) throw OPTED_OUT;
      outputs = outputsOf(result[0], call.name);
      const outs = outputs.tensors;
      if (keep) {
        pullback = result[1];
        residuals = scopeTensors().filter((t) => !outs.includes(t) && !t.isDisposed);
      } else residuals = held;
      residuals.forEach((t) => tf.keep(t));
      return outs;
    },
    backward: (dys, saved) =>
      step(() => {
        const dy = outputCotangent(outputs!, dys);
        const cotangents = (pullback ?? call.rrule(tfjsConfig, at(recomputeFrom, held))![1])(dy);
        const finish = handOver(dys.filter((d): d is Tensor => d !== null), distinct);
        const grads: Record<string, () => Tensor> = {};
        inputAt.forEach((k, i) => {
          const options = { rule: call.name, slot: leaves[k]!.slot, finish };
          const project = (g: unknown): Tensor => {
            if (g instanceof tf.Tensor && g.isDisposed) throw disposed(call.name, options.slot);
            return projectTo(tfjsApi, g, inputs[i]!, options);
          };
          grads[i] = () => step(() => cotangentOf(cotangents[k], saved, distinct, project));
        });
        return grads;
      }),
  };

  let outs: Tensor[];
  try {
    outs = runRuleNode(inputs, node);
  } catch (error) {
    recomputeFrom.forEach((t) => t.dispose());
    if (error === OPTED_OUT) return call.primal('opted-out');
    noteFailure();
    throw error;
  }
  const extras = recomputeFrom.length === 0 ? residuals : [...recomputeFrom, ...residuals];
  // A node with no tensor among its outputs records nothing to save on (and reaches no loss).
  if (outs.length > 0 && saveOnNode(outs[0]!, extras)) watch(activeTape()!);
  else extras.forEach((t) => t.dispose());
  const tree = outputs!.tree;
  if (tree === undefined) return outs[0];
  return treeWith(tree.skeleton, tree.at.map((m, j) => (m === undefined ? tree.values[j] : outs[m])));
}
