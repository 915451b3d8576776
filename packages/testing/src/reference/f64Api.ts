import { RuleError } from '@chainrules/core';
import type { ArrayApi, ReduceOptions } from '@chainrules/core';
import { F64Array, isF64Array } from './f64Array';
import type { F64Dtype } from './f64Array';
import {
  broadcastShapes,
  broadcastStrides,
  checkShape,
  describeValue,
  normalizeAxes,
  normalizeAxis,
  parseNested,
  resolveReshape,
  showShape,
  sizeOf,
  stridedIndex,
  stridesOf,
} from './f64Shape';

type Operand = F64Array | number;

/** `x` as an F64Array: numbers and booleans are 0-d arrays; anything else is `no-namespace`. */
function arr(op: string, x: unknown): F64Array {
  if (isF64Array(x)) return x;
  if (typeof x === 'number') return new F64Array(Float64Array.of(x), []);
  if (typeof x === 'boolean') return new F64Array(Float64Array.of(x ? 1 : 0), [], 'bool');
  throw new RuleError('no-namespace', {
    message: `f64Api.${op} takes F64Arrays, numbers or booleans, got ${describeValue(x)}.`,
    fix: 'Make arrays with f64(…) or f64Api.asarray(…) first; nested JS arrays are accepted only by asarray.',
  });
}

/** Broadcasts `inputs` together: the result shape and, per input, the offset it reads each result element from. */
function broadcast(op: string, inputs: readonly F64Array[]): { shape: number[]; index: Float64Array[] } {
  const shape = broadcastShapes(`f64Api.${op}`, inputs.map((a) => a.shape));
  return { shape, index: inputs.map((a) => stridedIndex(shape, broadcastStrides(a.shape, shape))) };
}

/** A fresh array of `shape` whose element `i` is `a.data[index[i]]`: broadcasting, transposing, copying. */
function gather(a: F64Array, shape: readonly number[], index: Float64Array): F64Array {
  const out = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = a.data[index[i]!]!;
  return new F64Array(out, shape);
}

function unary(op: string, f: (a: number) => number): (x: Operand) => F64Array {
  return (x) => {
    const a = arr(op, x);
    const out = new Float64Array(a.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f(a.data[i]!);
    return new F64Array(out, a.shape);
  };
}

function binary(op: string, f: (a: number, b: number) => number, dtype: F64Dtype = 'float64'): (x: Operand, y: Operand) => F64Array {
  return (x, y) => {
    const a = arr(op, x);
    const b = arr(op, y);
    const { shape, index } = broadcast(op, [a, b]);
    const ia = index[0]!;
    const ib = index[1]!;
    const out = new Float64Array(ia.length);
    for (let i = 0; i < out.length; i++) out[i] = f(a.data[ia[i]!]!, b.data[ib[i]!]!);
    return new F64Array(out, shape, dtype);
  };
}

/** IEEE 754 / Array API `pow`: `1 ** y` is 1 and `(-1) ** ±Infinity` is 1, where JS's `**` gives NaN. */
function pow(a: number, b: number): number {
  if (a === 1 || (a === -1 && (b === Infinity || b === -Infinity))) return 1;
  return a ** b;
}

function where(condition: unknown, x: unknown, y: unknown): F64Array {
  const c = arr('where', condition);
  const a = arr('where', x);
  const b = arr('where', y);
  const { shape, index } = broadcast('where', [c, a, b]);
  const [ic, ia, ib] = [index[0]!, index[1]!, index[2]!];
  const out = new Float64Array(ic.length);
  for (let i = 0; i < out.length; i++) out[i] = c.data[ic[i]!] !== 0 ? a.data[ia[i]!]! : b.data[ib[i]!]!;
  return new F64Array(out, shape);
}

/**
 * A reduction: folds the elements of the reduced axes into `init` with `step`, in row-major
 * order, then maps each result through `finish` (given the number of elements folded).
 * Without an identity (`max`, `min`), reducing zero elements is `unsupported`.
 */
function reduction(
  op: string,
  init: number,
  step: (acc: number, value: number) => number,
  options: { finish?: (acc: number, count: number) => number; identity: boolean },
): (x: Operand, reduce?: ReduceOptions) => F64Array {
  return (x, reduce) => {
    const a = arr(op, x);
    if (reduce !== undefined && (typeof reduce !== 'object' || reduce === null)) {
      throw new RuleError('unsupported', {
        message: `f64Api.${op} takes its options as an object { axis?, keepdims? }, got ${describeValue(reduce)}.`,
        fix: `Call f64Api.${op}(x, { axis: 0 }).`,
      });
    }
    const axes = normalizeAxes(`f64Api.${op}`, reduce?.axis, a.shape);
    const kept = a.shape.map((dim, k) => (axes.includes(k) ? 1 : dim));
    const count = axes.reduce((n, k) => n * a.shape[k]!, 1);
    if (count === 0 && !options.identity && sizeOf(kept) > 0) {
      throw new RuleError('unsupported', {
        message: `f64Api.${op} cannot reduce zero elements (shape ${showShape(a.shape)}, axes ${showShape(axes)}): it has no identity.`,
        fix: 'Reduce over axes of non-zero length, or use sum / prod, which have identities.',
      });
    }
    const target = stridedIndex(a.shape, stridesOf(kept).map((stride, k) => (axes.includes(k) ? 0 : stride)));
    const out = new Float64Array(sizeOf(kept)).fill(init);
    for (let i = 0; i < target.length; i++) out[target[i]!] = step(out[target[i]!]!, a.data[i]!);
    const finish = options.finish;
    if (finish !== undefined) for (let j = 0; j < out.length; j++) out[j] = finish(out[j]!, count);
    return new F64Array(out, reduce?.keepdims === true ? kept : a.shape.filter((_, k) => !axes.includes(k)));
  };
}

function broadcastTo(x: Operand, shape: readonly number[]): F64Array {
  const a = arr('broadcastTo', x);
  const target = checkShape('f64Api.broadcastTo', shape);
  const lead = target.length - a.shape.length;
  if (lead < 0 || a.shape.some((dim, k) => dim !== 1 && dim !== target[lead + k])) {
    throw new RuleError('wrong-shape', {
      message: `f64Api.broadcastTo cannot broadcast shape ${showShape(a.shape)} to ${showShape(target)}.`,
      fix: 'The target needs at least as many axes, and each dimension of the array (aligned from the right) must equal the target’s or be 1.',
    });
  }
  return gather(a, target, stridedIndex(target, broadcastStrides(a.shape, target)));
}

function expandDims(x: Operand, axis: number): F64Array {
  const a = arr('expandDims', x);
  const k = normalizeAxis('f64Api.expandDims', axis, a.shape, a.shape.length + 1);
  return new F64Array(a.data.slice(), [...a.shape.slice(0, k), 1, ...a.shape.slice(k)]);
}

function transpose(x: Operand, axes?: readonly number[]): F64Array {
  const a = arr('transpose', x);
  const ndim = a.shape.length;
  const perm = axes === undefined ? a.shape.map((_, k) => ndim - 1 - k) : normalizePermutation(axes, a.shape);
  const strides = stridesOf(a.shape);
  const shape = perm.map((k) => a.shape[k]!);
  return gather(a, shape, stridedIndex(shape, perm.map((k) => strides[k]!)));
}

function normalizePermutation(axes: unknown, shape: readonly number[]): number[] {
  if (!Array.isArray(axes) || axes.length !== shape.length) {
    throw new RuleError('wrong-shape', {
      message: `f64Api.transpose got the axes ${Array.isArray(axes) ? showShape(axes as number[]) : describeValue(axes)} for an array of shape ${showShape(shape)}, which has ${shape.length} axes.`,
      fix: `Pass a permutation of all ${shape.length} axes, e.g. ${showShape(shape.map((_, k) => shape.length - 1 - k))}, or omit axes to reverse them.`,
    });
  }
  normalizeAxes('f64Api.transpose', axes, shape); // each axis in range, none twice
  return axes.map((axis) => normalizeAxis('f64Api.transpose', axis, shape));
}

/**
 * Array API `matmul`: 1-d operands are promoted to a row (left) or a column (right) and that
 * axis removed from the result; leading axes are batch axes and broadcast.
 */
function matmul(x: Operand, y: Operand): F64Array {
  const a = arr('matmul', x);
  const b = arr('matmul', y);
  if (a.shape.length === 0 || b.shape.length === 0) {
    throw new RuleError('unsupported', {
      message: `f64Api.matmul needs arrays of at least one dimension, got shapes ${showShape(a.shape)} and ${showShape(b.shape)}.`,
      fix: 'Use multiply for a 0-d operand.',
    });
  }
  const aShape = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bShape = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const [m, n] = [aShape[aShape.length - 2]!, aShape[aShape.length - 1]!];
  const [nb, p] = [bShape[bShape.length - 2]!, bShape[bShape.length - 1]!];
  if (n !== nb) {
    throw new RuleError('wrong-shape', {
      message: `f64Api.matmul cannot multiply shapes ${showShape(a.shape)} and ${showShape(b.shape)}: the inner dimensions ${n} and ${nb} differ.`,
      fix: 'The last axis of the first operand must match the second-to-last axis of the second (the only axis of a 1-d operand).',
    });
  }
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const batch = broadcastShapes('f64Api.matmul (batch axes)', [aBatch, bBatch]);
  const aStarts = stridedIndex(batch, broadcastStrides(aBatch, batch).map((s) => s * m * n));
  const bStarts = stridedIndex(batch, broadcastStrides(bBatch, batch).map((s) => s * n * p));
  const out = new Float64Array(aStarts.length * m * p);
  for (let t = 0; t < aStarts.length; t++) {
    const [a0, b0] = [aStarts[t]!, bStarts[t]!];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < p; j++) {
        let acc = 0;
        for (let k = 0; k < n; k++) acc += a.data[a0 + i * n + k]! * b.data[b0 + k * p + j]!;
        out[(t * m + i) * p + j] = acc;
      }
    }
  }
  return new F64Array(out, [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [p])]);
}

function asarray(value: unknown): F64Array {
  if (!Array.isArray(value)) return arr('asarray', value); // the array itself, a 0-d array, or no-namespace
  const parsed = parseNested('f64Api.asarray', value);
  return new F64Array(parsed.data, parsed.shape, parsed.bool ? 'bool' : 'float64');
}

function filled(op: string, fill: number): (x: Operand) => F64Array {
  return (x) => {
    const a = arr(op, x);
    return new F64Array(new Float64Array(a.data.length).fill(fill), a.shape);
  };
}

/**
 * The float64 reference `ArrayApi` (core's interface): every operation of core's namespace, computed
 * exactly in float64 on {@link F64Array}s with NumPy / Array API broadcasting. Numbers (and
 * booleans) are 0-d arrays on either side. Results are fresh float64 arrays (comparisons: dtype
 * `'bool'`); inputs are never written. Bad input is a `RuleError`: `wrong-shape` for shapes and
 * axes, `unsupported` for what has no meaning (0-d `matmul`, `max` of nothing), `no-namespace`
 * for a value that is no F64Array, number or boolean.
 *
 * @example
 * ```ts
 * const x = f64([[1, 2], [3, 4]]);
 * f64Api.add(x, f64([10, 20]));          // F64Array(2×2) [[11, 22], [13, 24]]
 * f64Api.sum(x, { axis: -1 });           // F64Array [3, 7]
 * f64Api.matmul(x, f64([1, 1]));         // F64Array [3, 7]
 * ```
 */
export const f64Api: ArrayApi<F64Array, F64Array> = Object.freeze({
  name: 'f64',

  asarray,
  zerosLike: filled('zerosLike', 0),
  onesLike: filled('onesLike', 1),
  shape: (x: Operand) => arr('shape', x).shape,
  toNumber: (x: Operand) => {
    const a = arr('toNumber', x);
    if (a.data.length !== 1) {
      throw new RuleError('unsupported', {
        message: `f64Api.toNumber reads a one-element array, got shape [${a.shape.join(', ')}].`,
        fix: 'Reduce the array first (f64Api.max, f64Api.sum).',
      });
    }
    return a.data[0]!;
  },

  add: binary('add', (a, b) => a + b),
  subtract: binary('subtract', (a, b) => a - b),
  multiply: binary('multiply', (a, b) => a * b),
  divide: binary('divide', (a, b) => a / b),
  pow: binary('pow', pow),
  maximum: binary('maximum', (a, b) => Math.max(a, b)),
  minimum: binary('minimum', (a, b) => Math.min(a, b)),

  greater: binary('greater', (a, b) => Number(a > b), 'bool'),
  greaterEqual: binary('greaterEqual', (a, b) => Number(a >= b), 'bool'),
  less: binary('less', (a, b) => Number(a < b), 'bool'),
  lessEqual: binary('lessEqual', (a, b) => Number(a <= b), 'bool'),
  equal: binary('equal', (a, b) => Number(a === b), 'bool'),
  notEqual: binary('notEqual', (a, b) => Number(a !== b), 'bool'),
  where,

  negative: unary('negative', (a) => -a),
  abs: unary('abs', Math.abs),
  sign: unary('sign', Math.sign),
  sqrt: unary('sqrt', Math.sqrt),
  square: unary('square', (a) => a * a),
  exp: unary('exp', Math.exp),
  expm1: unary('expm1', Math.expm1),
  log: unary('log', Math.log),
  log1p: unary('log1p', Math.log1p),
  sin: unary('sin', Math.sin),
  cos: unary('cos', Math.cos),
  tanh: unary('tanh', Math.tanh),

  // sum starts from -0, the identity of IEEE addition, so that the sum of [-0] stays -0.
  sum: reduction('sum', -0, (acc, v) => acc + v, { identity: true }),
  mean: reduction('mean', -0, (acc, v) => acc + v, { identity: true, finish: (acc, count) => acc / count }),
  prod: reduction('prod', 1, (acc, v) => acc * v, { identity: true }),
  max: reduction('max', -Infinity, (acc, v) => Math.max(acc, v), { identity: false }),
  min: reduction('min', Infinity, (acc, v) => Math.min(acc, v), { identity: false }),

  reshape: (x: Operand, shape: readonly number[]) => {
    const a = arr('reshape', x);
    return new F64Array(a.data.slice(), resolveReshape('f64Api.reshape', a.shape, shape));
  },
  broadcastTo,
  expandDims,
  transpose,
  matmul,
});
