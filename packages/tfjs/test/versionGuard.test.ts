import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  activeTape,
  dropTape,
  endsWithForward,
  gradientDepth,
  inEngineBackward,
  madeAfter,
  disposeSaved,
  outputTensors,
  runDetached,
  runRuleNode,
  saveOnNode,
  scopeTensors,
  tapeIsOn,
  trackedByLiveScope,
} from '../src/internals';
import type { RuleNode } from '../src/internals';

// The adapter relies on TF.js internals that TF.js types but does not document (engine state,
// tape nodes, scope ids, tensor ids, kernels registered under the adapter's own names). A TF.js
// upgrade that changes them must fail here, loudly, before users see a wrong gradient or a
// leak. Every function of src/internals.ts is exercised here.

/** x², written with tf.customGrad: its gradFunc runs `inside` and throws while `fail` is set. */
const probe = { fail: false, inside: (): void => {} };
const square = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.square(x),
    gradFunc: (dy: tf.Tensor, [saved]: tf.Tensor[]) => {
      probe.inside();
      if (probe.fail) throw new Error('failing gradFunc');
      return tf.mul(dy, tf.mul(2, saved!));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

describe('version guard: TF.js 4.x internals the adapter relies on', () => {
  it('@tensorflow/tfjs-core is a 4.x release (tested with 4.22)', () => {
    expect(tf.version_core).toMatch(/^4\./);
  });

  it('gradientDepth and tapeIsOn: 1 inside tf.grad, 2 inside tf.grad(tf.grad), the tape off inside a kernel and outside any gradient', () => {
    const seen: [number, boolean][] = [];
    const look = (x: tf.Tensor) => (seen.push([gradientDepth(), tapeIsOn()]), tf.square(x));
    expect([gradientDepth(), tapeIsOn()]).toEqual([0, false]);
    tf.grad((x: tf.Tensor) => tf.sum(tf.grad(look)(look(x))))(tf.scalar(1));
    const inKernel = tf.customGrad(((x: tf.Tensor) => (seen.push([gradientDepth(), tapeIsOn()]), { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => dy })) as never) as (x: tf.Tensor) => tf.Tensor;
    tf.grad((x: tf.Tensor) => inKernel(x))(tf.scalar(1));
    expect(seen).toEqual([
      [1, true],
      [2, true],
      [1, false],
    ]);
    expect([gradientDepth(), tapeIsOn()]).toEqual([0, false]);
  });

  it('activeTape: set while a gradient records (ops add nodes), unset when it ends', () => {
    const lengths: number[] = [];
    tf.grad((x: tf.Tensor) => {
      lengths.push(activeTape()!.length);
      const y = tf.square(x);
      lengths.push(activeTape()!.length);
      return tf.sum(y);
    })(tf.scalar(2));
    expect(lengths[0]).toBe(0);
    expect(lengths[1]).toBeGreaterThan(0);
    expect(activeTape()).toBeUndefined();
  });

  it('scopeTensors: a tidy tracks what runs in it, in order', () => {
    tf.tidy(() => {
      const before = scopeTensors().length;
      const a = tf.scalar(1);
      const b = tf.add(a, 1);
      expect(scopeTensors().slice(before)).toEqual([a, b]);
    });
  });

  it('saveOnNode: tensors handed to the node that made an output are disposed when the gradient ends', () => {
    const extra = tf.keep(tf.scalar(7));
    let saved: boolean[] = [];
    tf.tidy(() =>
      tf.grad((x: tf.Tensor) => {
        const y = tf.square(x);
        saved = [saveOnNode(tf.scalar(0), [extra]), saveOnNode(y, [extra])];
        return tf.sum(y);
      })(tf.scalar(2)),
    );
    expect(saved).toEqual([false, true]);
    expect(extra.isDisposed).toBe(true);
  });

  it('inEngineBackward: true while TF.js runs a gradient function, false otherwise', () => {
    const seen: boolean[] = [];
    probe.inside = () => seen.push(inEngineBackward());
    tf.tidy(() => tf.grad((x: tf.Tensor) => (seen.push(inEngineBackward()), square(x)))(tf.scalar(2)));
    probe.inside = () => {};
    expect(seen).toEqual([false, true]);
    expect(inEngineBackward()).toBe(false);
  });

  it('a gradient that throws outside any scope leaves its tape set, its saved tensors alive and its loss tracked by no live scope; disposeSaved frees them, dropTape unsets the tape', () => {
    const w = tf.variable(tf.scalar(3));
    let loss: tf.Tensor | undefined;
    probe.fail = true;
    expect(() => tf.variableGrads(() => (loss = tf.sum(square(w)) as tf.Scalar), [w])).toThrow('failing gradFunc');
    probe.fail = false;
    const tape = activeTape()!;
    expect(tape).toBeDefined();
    expect(outputTensors(tape)).toContain(loss);
    expect([loss!.isDisposed, loss!.kept, trackedByLiveScope(loss!)]).toEqual([false, false, false]);
    const before = tf.memory().numTensors;
    expect(disposeSaved(tape)).toBe(true);
    expect(tf.memory().numTensors).toBeLessThan(before);
    expect(disposeSaved(tape)).toBe(false);
    dropTape(tape);
    expect(activeTape()).toBeUndefined();
    tf.dispose([loss!, w]);
    // Inside a tidy the loss is tracked by a live scope.
    tf.tidy(() => {
      const y = tf.scalar(1);
      expect(trackedByLiveScope(y)).toBe(true);
    });
  });

  it('endsWithForward: inside a gradient, true for what the function makes (disposed before the backward pass), false for what it was given, kept or untracked', () => {
    const outside = tf.scalar(1);
    const kept = tf.keep(tf.scalar(2));
    const v = tf.variable(tf.scalar(3));
    let seen: boolean[] = [];
    let made: tf.Tensor | undefined;
    tf.tidy(() =>
      tf.grad((x: tf.Tensor) => {
        made = tf.mul(x, 2);
        const inner = tf.tidy(() => tf.add(made!, 1)); // returned from an inner tidy: now the forward's
        seen = [endsWithForward(made), endsWithForward(inner), endsWithForward(x), endsWithForward(outside), endsWithForward(kept), endsWithForward(v)];
        return tf.sum(tf.mul(inner, v));
      })(outside),
    );
    expect(seen).toEqual([true, true, false, false, false, false]);
    expect(made!.isDisposed).toBe(true);
    tf.dispose([outside, kept, v]);
  });

  it('madeAfter: tensor ids grow; a gradient function’s dy is newer than everything its forward made', () => {
    const a = tf.scalar(1);
    const b = tf.scalar(2);
    expect([madeAfter(b, a), madeAfter(a, b)]).toEqual([true, false]);
    let seen: boolean[] = [];
    const node = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      const residual = tf.mul(x, 2);
      save([residual]);
      return {
        value: tf.mul(x, residual),
        gradFunc: (dy: tf.Tensor, [r]: tf.Tensor[]) => {
          const g = tf.mul(dy, r!);
          seen = [madeAfter(g, dy), madeAfter(r!, dy), madeAfter(x, dy)];
          return g;
        },
      };
    }) as never) as (x: tf.Tensor) => tf.Tensor;
    tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(node(tf.mul(x, 1))))(a));
    expect(seen).toEqual([true, false, false]);
    tf.dispose([a, b]);
  });

  it('runRuleNode: one tape node (whatever the scope around it is named); its forward runs with the tape off; TF.js asks its gradient lazily, one input at a time, with dy and the saved tensors', () => {
    const asked: number[] = [];
    let forwardTape: boolean | undefined;
    let savedSeen: number | undefined;
    const extra = tf.keep(tf.scalar(5));
    const node = (a: tf.Tensor, b: tf.Tensor): RuleNode => ({
      forward: () => ((forwardTape = tapeIsOn()), [tf.mul(a, b)]),
      backward: ([dy], saved) => {
        savedSeen = saved.length;
        return {
          0: () => (asked.push(0), tf.mul(dy!, b)),
          1: () => (asked.push(1), tf.mul(dy!, a)),
        };
      },
    });
    const [a, b] = [tf.scalar(2), tf.scalar(3)];
    const g = tf.tidy(() =>
      tf
        .grad((x: tf.Tensor) => {
          const tapeBefore = activeTape()!.length;
          const [y] = runRuleNode([x, b], node(x, b));
          expect(activeTape()!.length).toBe(tapeBefore + 1);
          expect(saveOnNode(y!, [extra])).toBe(true);
          return y!;
        })(a)
        .dataSync()[0],
    );
    expect(g).toBe(3);
    expect(forwardTape).toBe(false);
    expect(savedSeen).toBe(1);
    expect(asked).toEqual([0]); // b is not an input of the gradient: never asked for
    expect(extra.isDisposed).toBe(true);
    // Inside a scope named like a kernel with a registered gradient, the node keeps its own.
    asked.length = 0;
    const named = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.tidy('Square', () => runRuleNode([x, b], node(x, b))[0]!))(a).dataSync()[0]);
    expect([named, asked]).toEqual([3, [0]]);
    // With the tape off it just runs the forward.
    expect(runRuleNode([a, b], node(a, b))[0]!.dataSync()[0]).toBe(6);
    tf.dispose([a, b]);
  });

  it('runRuleNode with several outputs: one tape node; its gradient gets one cotangent per output, null (not zeros) for an output no cotangent reached', () => {
    const seen: (number[] | null)[][] = [];
    const node = (x: tf.Tensor): RuleNode => ({
      forward: () => [tf.mul(x, 2), tf.mul(x, 3), tf.cast(tf.greater(x, 0), 'int32')],
      backward: (dys) => {
        seen.push(dys.map((dy) => (dy === null ? null : Array.from(dy.dataSync()))));
        return { 0: () => tf.add(tf.mul(dys[0] ?? 0, 2), tf.mul(dys[1] ?? 0, 3)) };
      },
    });
    const x = tf.scalar(1.5);
    const grads = tf.tidy(() => {
      const both = tf.grad((v: tf.Tensor) => {
        const tapeBefore = activeTape()!.length;
        const [p, q, mask] = runRuleNode([v], node(v));
        expect(activeTape()!.length).toBe(tapeBefore + 1);
        expect(mask!.dtype).toBe('int32');
        return tf.add(p!, tf.mul(q!, 10));
      })(x).dataSync()[0];
      const second = tf.grad((v: tf.Tensor) => runRuleNode([v], node(v))[1]!)(x).dataSync()[0];
      return [both, second];
    });
    expect(grads).toEqual([32, 3]);
    expect(seen).toEqual([
      [[1], [10], null],
      [null, [1], null],
    ]);
    x.dispose();
  });

  it('runDetached: what it returns is cut off from the tape (derivative zero through it)', () => {
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.add(x, runDetached(() => tf.mul(x, 10))))(tf.scalar(2)).dataSync()[0]);
    expect(g).toBe(1);
    expect(tf.tidy(() => runDetached(() => tf.mul(tf.scalar(2), 10)).dataSync()[0])).toBe(20);
  });
});
