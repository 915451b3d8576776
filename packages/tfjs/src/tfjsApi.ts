import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError } from '@chainrules/core';
import type { ArrayApi, ReduceOptions, Scoped } from '@chainrules/core';
import { runDetached, scopeTensors, tapeIsOn } from './internals';

type In = Tensor | number;

/** A tensor from an operand: numbers become float32 scalars, tensors pass through. */
const t = (x: In): Tensor => (typeof x === 'number' ? tf.scalar(x, 'float32') : x);

/** The axes of a reduction in TF.js's form (`undefined`: all). */
const axesOf = (options: ReduceOptions | undefined): number | number[] | undefined => {
  const axis = options?.axis;
  return axis === undefined ? undefined : typeof axis === 'number' ? axis : [...axis];
};

const reduction =
  (op: (x: Tensor, axis?: number | number[], keepDims?: boolean) => Tensor) =>
  (x: In, options?: ReduceOptions): Tensor => {
    const v = t(x);
    const axes = axesOf(options);
    const keepDims = options?.keepdims === true;
    const y = op(v, axes, keepDims);
    if (!keepDims || y.rank === v.rank) return y;
    // TF.js 4.22's WebGPU backend drops the kept axes of `prod`: put them back.
    const reduced = axes === undefined ? v.shape.map((_, k) => k) : tf.util.parseAxisParam(axes, v.shape);
    return tf.reshape(y, v.shape.map((n, k) => (reduced.includes(k) ? 1 : n)));
  };

/** The shape `a` and `b` broadcast to (TF.js's rule, which is NumPy's). */
const broadcastShape = (a: readonly number[], b: readonly number[]): number[] => tf.broadcast_util.assertAndGetBroadcastShape([...a], [...b]);

/*
 * Differentiating the rules' own ops (higher order: an inner gradient re-runs the rrule with
 * the tape on). TF.js 4.22 registers no gradient for its comparison kernels (Less, LessEqual,
 * Greater, Equal, NotEqual) nor LogicalNot, and backprop throws when it reaches one: through
 * `where(condition, …)`, or through the gradients of Maximum, Minimum, Max and Min, which
 * compare. Its broadcastTo is a Tile, whose gradient loops over slices (about 1 s at 1e5
 * elements from a scalar). So, while the tape is on, `tfjsApi`:
 * - computes comparisons, `sign` and conditions in `detached`: one tape node with no inputs,
 *   so TF.js's backprop never reaches them (their derivative is zero);
 * - broadcasts by multiplying with ones (the Mul gradient un-broadcasts with a sum);
 * - computes maximum, minimum, max and min as `tf.customGrad` nodes whose gradient multiplies
 *   by a 0/1 mask computed in their forward (a constant to every outer gradient);
 * - computes exp, expm1, tanh and pow as `tf.customGrad` nodes whose gradient is computed from
 *   their saved input with these same ops (see `unary`).
 * No gradient is registered for TF.js's own kernels. With the tape off the plain TF.js ops run.
 */

/**
 * `f()` (one new tensor), cut off from TF.js's tape: while the tape is on, it runs as a node
 * without inputs, so nothing downstream of it reaches back to what it read.
 */
const detached = (f: () => Tensor): Tensor => (tapeIsOn() ? runDetached(f) : f());

/** A comparison, as a bool tensor with no derivative. */
const comparison =
  (op: (a: Tensor, b: Tensor) => Tensor) =>
  (x: In, y: In): Tensor =>
    detached(() => op(t(x), t(y)));

/** `v` broadcast to `shape` (which it must broadcast to); while the tape is on, as a product with ones. */
function broadcast(v: Tensor, shape: readonly number[]): Tensor {
  const target = [...shape];
  if (!tapeIsOn() || v.dtype !== 'float32') return tf.broadcastTo(v, target);
  if (!tf.util.arraysEqual(broadcastShape(v.shape, target), target)) {
    throw new Error(`broadcastTo(): [${v.shape.join(',')}] cannot be broadcast to [${target.join(',')}].`);
  }
  return tf.mul(v, tf.ones(target, 'float32'));
}

/** A condition as a bool tensor of `shape`, with no derivative. */
const condition = (c: Tensor | boolean, shape: readonly number[]): Tensor =>
  detached(() => {
    const bool = typeof c === 'boolean' ? tf.scalar(c, 'bool') : c.dtype === 'bool' ? tf.clone(c) : tf.cast(c, 'bool');
    return tf.util.arraysEqual(bool.shape, [...shape]) ? bool : tf.broadcastTo(bool, [...shape]);
  });

/** `where` with every operand broadcast to the result's shape (cheaply while the tape is on). */
function where(c: Tensor | boolean, x: In, y: In): Tensor {
  const a = t(x);
  const b = t(y);
  if (!tapeIsOn()) return tf.where(typeof c === 'boolean' ? tf.scalar(c, 'bool') : c.dtype === 'bool' ? c : tf.cast(c, 'bool'), a, b);
  const shape = broadcastShape(broadcastShape(typeof c === 'boolean' ? [] : c.shape, a.shape), b.shape);
  const fit = (v: Tensor) => (tf.util.arraysEqual(v.shape, shape) ? v : broadcast(v, shape));
  return tf.where(condition(c, shape), fit(a), fit(b));
}

/** maximum or minimum; while the tape is on, operands broadcast to one shape and a masked gradient (TF.js's own: ties go to `x`). */
const extremum = (op: typeof tf.maximum, pickX: typeof tf.greaterEqual) => {
  const node = tf.customGrad(((a: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
    const takeA = tf.cast(pickX(a, b), 'float32');
    save([takeA]);
    return { value: op(a, b), gradFunc: (dy: Tensor, [mask]: Tensor[]) => [tf.mul(dy, mask!), tf.mul(dy, tf.sub(1, mask!))] };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x: In, y: In): Tensor => {
    const a = t(x);
    const b = t(y);
    if (!tapeIsOn()) return op(a, b);
    const shape = broadcastShape(a.shape, b.shape);
    const fit = (v: Tensor) => (tf.util.arraysEqual(v.shape, shape) ? v : broadcast(v, shape));
    return node(fit(a), fit(b));
  };
};

/** max or min over axes; while the tape is on, a masked gradient (TF.js's own: every tie gets the cotangent). */
const extremeReduction = (op: typeof tf.max) => (x: In, options?: ReduceOptions): Tensor => {
  const v = t(x);
  const axes = axesOf(options);
  const keepDims = options?.keepdims === true;
  if (!tapeIsOn()) return op(v, axes, keepDims);
  const reduced = axes === undefined ? v.shape.map((_, k) => k) : tf.util.parseAxisParam(axes, v.shape);
  const kept = v.shape.map((n, k) => (reduced.includes(k) ? 1 : n));
  const node = tf.customGrad(((a: Tensor, save: tf.GradSaveFunc) => {
    const y = op(a, axes, true);
    const mask = tf.cast(tf.equal(a, y), 'float32');
    save([mask]);
    return { value: keepDims ? y : tf.reshape(y, v.shape.filter((_, k) => !reduced.includes(k))), gradFunc: (dy: Tensor, [m]: Tensor[]) => tf.mul(tf.reshape(dy, kept), m!) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return node(v);
};

/**
 * A unary op whose TF.js gradient reads the op's saved output (Exp, Tanh) or calls such an op
 * (Expm1 calls exp): TF.js saves outputs as clones made inside the kernel, which its tape does
 * not connect to the input, so the next order loses a term. While the tape is on these run as
 * `tf.customGrad` nodes that save their input (a clone TF.js does connect) and compute their
 * derivative from it with `tfjsApi`'s own ops, correct to any order.
 */
const unary = (op: (x: Tensor) => Tensor, derivative: (x: Tensor) => Tensor) => {
  const node = tf.customGrad(((a: Tensor, save: tf.GradSaveFunc) => {
    save([a]);
    return { value: op(a), gradFunc: (dy: Tensor, [x]: Tensor[]) => tf.mul(dy, derivative(x!)) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x: In): Tensor => (tapeIsOn() ? node(t(x)) : op(t(x)));
};
const exp: (x: In) => Tensor = unary(tf.exp, (x) => exp(x));
const expm1 = unary(tf.expm1, (x) => exp(x));
const tanh: (x: In) => Tensor = unary(tf.tanh, (x) => tf.sub(1, tf.square(tanh(x))));

/** x ** y; while the tape is on, operands broadcast to one shape and a gradient from the saved inputs (TF.js's reads the saved output and compares). */
const powNode = tf.customGrad(((a: Tensor, b: Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.pow(a, b),
    gradFunc: (dy: Tensor, [x, y]: Tensor[]) => [
      tf.mul(dy, tf.mul(y!, pow(x!, tf.sub(y!, 1)))),
      tf.mul(dy, tf.mul(pow(x!, y!), where(detached(() => tf.greater(x!, 0)), tf.log(x!), 0))),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]);
function pow(x: In, y: In): Tensor {
  const a = t(x);
  const b = t(y);
  if (!tapeIsOn()) return tf.pow(a, b);
  const shape = broadcastShape(a.shape, b.shape);
  const fit = (v: Tensor) => (tf.util.arraysEqual(v.shape, shape) ? v : broadcast(v, shape));
  return powNode(fit(a), fit(b));
}

/** Matrix product with the Array API rules: 1-d operands get a temporary axis, batch axes broadcast. */
function matmul(x: In, y: In): Tensor {
  const a = t(x);
  const b = t(y);
  if (a.rank === 0 || b.rank === 0) {
    throw new RuleError('unsupported', {
      message: `matmul needs operands of at least one dimension, got shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}].`,
      fix: 'Use multiply for scalars.',
    });
  }
  const a2 = a.rank === 1 ? tf.expandDims(a, 0) : a;
  const b2 = b.rank === 1 ? tf.expandDims(b, 1) : b;
  if (a2.shape[a2.rank - 1] !== b2.shape[b2.rank - 2]) {
    throw new RuleError('wrong-shape', {
      message: `matmul of shapes [${a.shape.join(', ')}] and [${b.shape.join(', ')}]: the contracted axes differ.`,
      fix: 'Pass operands whose last and second-to-last axes agree.',
    });
  }
  let out: Tensor;
  if (a2.rank === 2 && b2.rank === 2) out = tf.matMul(a2, b2);
  else {
    const batch = broadcastShape(a2.shape.slice(0, -2), b2.shape.slice(0, -2));
    const fit = (v: Tensor, shape: number[]) => (tf.util.arraysEqual(v.shape, shape) ? v : broadcast(v, shape));
    const lhs = fit(a2, [...batch, ...a2.shape.slice(-2)]);
    const rhs = fit(b2, [...batch, ...b2.shape.slice(-2)]);
    out = tf.matMul(lhs, rhs);
  }
  if (a.rank === 1) out = tf.squeeze(out, [out.rank - 2]);
  if (b.rank === 1) out = tf.squeeze(out, [out.rank - 1]);
  return out;
}

/** `x` as a float32 tensor. */
function asarray(value: Tensor | number | readonly unknown[]): Tensor {
  if (value instanceof tf.Tensor) return value.dtype === 'float32' ? value : tf.cast(value, 'float32');
  return tf.tensor(value as number | number[], undefined, 'float32');
}

/**
 * `body` in a `tf.tidy`: what it made is disposed when it returns, but the tensors it returns,
 * which `release()` disposes later — only those it made (an input it returned is not its to
 * free). TF.js's tape keeps its own clones of what a gradient needs, so disposing a tensor it
 * recorded is safe, as it is for any `tf.tidy`.
 */
function scope<T>(body: () => T): Scoped<T> {
  let made: Tensor[] = [];
  const value = tf.tidy(() => {
    const result = body();
    const returned = tf.tensor_util.getTensorsInContainer(result as tf.TensorContainer);
    const inScope = new Set(scopeTensors());
    made = returned.filter((x) => inScope.has(x));
    return result as tf.TensorContainer;
  }) as T;
  return {
    value,
    release: () => {
      for (const x of made) if (!x.isDisposed && !x.kept) x.dispose();
      made = [];
    },
  };
}

/**
 * The `ArrayApi` of TensorFlow.js: every operation is a `@tensorflow/tfjs-core` op, so
 * rules written with it are recorded by TF.js's tape (which is how higher-order gradients
 * work) and run on whichever backend is active. Arrays are float32 tensors; comparisons
 * return bool tensors; plain numbers are accepted on either side of a binary operation.
 * While TF.js's tape is on, comparisons, `sign` and `where`'s condition are cut off from it
 * (derivative zero), and `maximum`, `minimum`, `max`, `min`, `exp`, `expm1`, `tanh`, `pow` and
 * broadcasting use gradients that stay correct at every order. `scope` is a `tf.tidy`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { tfjsApi } from '@chainrules/tfjs';
 *
 * tfjsApi.multiply(2, tf.tensor([1, 2, 3])).print(); // [2, 4, 6]
 * ```
 */
export const tfjsApi: ArrayApi<Tensor, Tensor> = Object.freeze({
  name: 'tfjs',
  asarray,
  zerosLike: (x: In) => tf.zeros(typeof x === 'number' ? [] : x.shape, 'float32'),
  onesLike: (x: In) => tf.ones(typeof x === 'number' ? [] : x.shape, 'float32'),
  shape: (x: In) => (typeof x === 'number' ? [] : x.shape),
  toNumber: (x: In) => {
    if (typeof x === 'number') return x;
    if (x.size !== 1) throw new RuleError('unsupported', { message: `tfjsApi.toNumber reads a one-element tensor, got shape [${x.shape.join(', ')}].`, fix: 'Reduce the tensor first (tfjsApi.max, tfjsApi.sum).' });
    return x.dataSync()[0]!;
  },
  scope,

  add: (x: In, y: In) => tf.add(t(x), t(y)),
  subtract: (x: In, y: In) => tf.sub(t(x), t(y)),
  multiply: (x: In, y: In) => tf.mul(t(x), t(y)),
  divide: (x: In, y: In) => tf.div(t(x), t(y)),
  pow,
  maximum: extremum(tf.maximum, tf.greaterEqual),
  minimum: extremum(tf.minimum, tf.lessEqual),

  greater: comparison(tf.greater),
  greaterEqual: comparison(tf.greaterEqual),
  less: comparison(tf.less),
  lessEqual: comparison(tf.lessEqual),
  equal: comparison(tf.equal),
  notEqual: comparison(tf.notEqual),
  where,

  negative: (x: In) => tf.neg(t(x)),
  abs: (x: In) => tf.abs(t(x)),
  sign: (x: In) => detached(() => tf.sign(t(x))),
  sqrt: (x: In) => tf.sqrt(t(x)),
  square: (x: In) => tf.square(t(x)),
  exp,
  expm1,
  log: (x: In) => tf.log(t(x)),
  log1p: (x: In) => tf.log1p(t(x)),
  sin: (x: In) => tf.sin(t(x)),
  cos: (x: In) => tf.cos(t(x)),
  tanh,

  sum: reduction(tf.sum),
  mean: reduction(tf.mean),
  prod: reduction(tf.prod),
  max: extremeReduction(tf.max),
  min: extremeReduction(tf.min),

  reshape: (x: In, shape: readonly number[]) => tf.reshape(t(x), [...shape]),
  broadcastTo: (x: In, shape: readonly number[]) => {
    const v = t(x);
    return tf.util.arraysEqual(v.shape, [...shape]) ? tf.clone(v) : broadcast(v, shape);
  },
  expandDims: (x: In, axis: number) => tf.expandDims(t(x), axis),
  transpose: (x: In, axes?: readonly number[]) => tf.transpose(t(x), axes === undefined ? undefined : [...axes]),
  matmul,
});
