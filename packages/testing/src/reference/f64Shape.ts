import { RuleError, escapeText } from '@chainrules/core';

/*
 * Shape arithmetic of the float64 reference: sizes, row-major strides, broadcasting, axes and
 * the one strided-index helper every data movement (broadcasting, transposing, reducing,
 * batching) is built on. Plain numbers and arrays only: no F64Array here.
 */

/** A nested-array value: a number or an array of them, to any depth. */
export type Nested = number | Nested[];

/** `[2, 3]`, as shapes appear in messages. */
export function showShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** What a value is, in a few words, for messages. */
export function describeValue(value: unknown): string {
  return escapeText(describeRaw(value));
}

function describeRaw(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  switch (typeof value) {
    case 'number':
    case 'boolean':
      return `the ${typeof value} ${String(value)}`;
    case 'string':
      return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
    case 'object': {
      const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
      const name = proto?.constructor?.name;
      return name !== undefined && name !== 'Object' ? `a ${name}` : 'an object';
    }
    default:
      return `a ${typeof value}`;
  }
}

/** The number of elements of `shape` (1 for `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const dim of shape) size *= dim;
  return size;
}

/** Row-major (C-order) strides of a contiguous array of `shape`, in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = stride;
    stride *= shape[k]!;
  }
  return strides;
}

/** Checks that `shape` is an array of non-negative integers (`wrong-shape` otherwise). */
export function checkShape(where: string, shape: unknown): readonly number[] {
  if (Array.isArray(shape) && shape.every((dim) => Number.isInteger(dim) && (dim as number) >= 0)) return shape as number[];
  throw new RuleError('wrong-shape', {
    message: `${where} got the shape ${Array.isArray(shape) ? showShape(shape as unknown[] as number[]) : describeValue(shape)}, which is not a list of non-negative integers.`,
    fix: 'Pass a shape such as [2, 3]; [] is the shape of a scalar.',
  });
}

/**
 * The shape `shapes` broadcast to (NumPy / Array API rules: align from the right; each pair
 * of dimensions must be equal or one of them 1). `wrong-shape` when they do not broadcast.
 */
export function broadcastShapes(where: string, shapes: readonly (readonly number[])[]): number[] {
  const ndim = Math.max(0, ...shapes.map((shape) => shape.length));
  const out = new Array<number>(ndim).fill(1);
  for (const shape of shapes) {
    const lead = ndim - shape.length;
    for (let k = 0; k < shape.length; k++) {
      const dim = shape[k]!;
      const current = out[lead + k]!;
      if (dim === current || dim === 1) continue;
      if (current !== 1) {
        throw new RuleError('wrong-shape', {
          message: `${where} cannot broadcast the shapes ${shapes.map(showShape).join(' and ')} together (dimension ${dim} against ${current}).`,
          fix: 'Broadcasting aligns shapes from the right and needs each pair of dimensions equal or one of them 1: reshape or expandDims an operand first.',
        });
      }
      out[lead + k] = dim;
    }
  }
  return out;
}

/**
 * The strides that read a contiguous array of shape `from` as if it had the shape `to` it
 * broadcasts to: 0 along the axes it is repeated on.
 */
export function broadcastStrides(from: readonly number[], to: readonly number[]): number[] {
  const strides = stridesOf(from);
  const out = new Array<number>(to.length).fill(0);
  const lead = to.length - from.length;
  for (let k = 0; k < from.length; k++) out[lead + k] = from[k] === 1 ? 0 : strides[k]!;
  return out;
}

/**
 * The flat offset `Σ index[k] · strides[k]` of every element of `shape`, in row-major order.
 * With broadcast strides it repeats an operand, with permuted strides it transposes, with the
 * output's strides (0 on reduced axes) it tells each input element where it reduces to.
 */
export function stridedIndex(shape: readonly number[], strides: readonly number[]): Float64Array {
  let index = Float64Array.of(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    const dim = shape[k]!;
    const stride = strides[k]!;
    const next = new Float64Array(index.length * dim);
    for (let j = 0; j < dim; j++) {
      for (let i = 0; i < index.length; i++) next[j * index.length + i] = j * stride + index[i]!;
    }
    index = next;
  }
  return index;
}

/** `axis` as a non-negative axis of an array of `ndim` axes (`-ndim..ndim-1`), or `wrong-shape`. */
export function normalizeAxis(where: string, axis: unknown, shape: readonly number[], ndim = shape.length): number {
  if (Number.isInteger(axis) && (axis as number) >= -ndim && (axis as number) < ndim) return (axis as number) < 0 ? (axis as number) + ndim : (axis as number);
  throw new RuleError('wrong-shape', {
    message: `${where} got axis ${typeof axis === 'number' ? axis : describeValue(axis)} for an array of shape ${showShape(shape)}; axes there are integers from ${-ndim} to ${ndim - 1}.`,
    fix: 'Pass an integer axis inside that range (negative axes count from the end).',
  });
}

/** The axes `axis` names (all when absent), non-negative, sorted; duplicates are `wrong-shape`. */
export function normalizeAxes(where: string, axis: unknown, shape: readonly number[]): number[] {
  if (axis === undefined) return shape.map((_, k) => k);
  const list = Array.isArray(axis) ? (axis as unknown[]) : [axis];
  const axes = list.map((a) => normalizeAxis(where, a, shape));
  if (new Set(axes).size !== axes.length) {
    throw new RuleError('wrong-shape', {
      message: `${where} got the axes ${JSON.stringify(axis)} for an array of shape ${showShape(shape)}, naming an axis twice.`,
      fix: 'Name each axis once (negative and positive forms of one axis count as the same).',
    });
  }
  return axes.sort((a, b) => a - b);
}

/** The target of a reshape of `size` elements to `shape`, with at most one `-1` inferred. */
export function resolveReshape(where: string, from: readonly number[], shape: unknown): number[] {
  const bad = (why: string): RuleError =>
    new RuleError('wrong-shape', {
      message: `${where} cannot reshape shape ${showShape(from)} (${sizeOf(from)} elements) to ${Array.isArray(shape) ? showShape(shape as number[]) : describeValue(shape)}: ${why}.`,
      fix: 'The new shape must have as many elements as the old one; one dimension may be -1 to infer it.',
    });
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isInteger(dim) && (dim as number) >= -1)) throw bad('dimensions must be integers ≥ 0, or -1');
  const dims = shape as number[];
  const unknown = dims.filter((dim) => dim === -1).length;
  if (unknown > 1) throw bad('only one dimension can be -1');
  const known = sizeOf(dims.filter((dim) => dim !== -1));
  const size = sizeOf(from);
  if (unknown === 0) {
    if (known !== size) throw bad('the sizes differ');
    return [...dims];
  }
  if (known === 0 || size % known !== 0) throw bad('no size for -1 fits');
  return dims.map((dim) => (dim === -1 ? size / known : dim));
}

/**
 * Shape, flat row-major values and dtype of a nested array of numbers (or booleans). Ragged
 * nesting is `wrong-shape`, a leaf that is no number or boolean is `no-namespace`.
 */
export function parseNested(where: string, value: unknown): { shape: number[]; data: Float64Array; bool: boolean } {
  const shape: number[] = [];
  for (let probe = value; Array.isArray(probe); probe = probe[0] as unknown) shape.push(probe.length);
  const data = new Float64Array(sizeOf(shape));
  let n = 0;
  let booleans = 0;
  const visit = (node: unknown, depth: number, path: string): void => {
    if (depth < shape.length) {
      if (!Array.isArray(node) || node.length !== shape[depth]) {
        throw new RuleError('wrong-shape', {
          message: `${where} got a ragged nested array: ${path} is ${describeValue(node)}, but the first entries make the shape ${showShape(shape)}.`,
          fix: 'Give every row at one depth the same length, with numbers only at the deepest level.',
        });
      }
      for (let i = 0; i < node.length; i++) visit(node[i], depth + 1, `${path}[${i}]`);
      return;
    }
    if (typeof node === 'number') data[n++] = node;
    else if (typeof node === 'boolean') {
      data[n++] = node ? 1 : 0;
      booleans++;
    } else {
      throw new RuleError(Array.isArray(node) ? 'wrong-shape' : 'no-namespace', {
        message: `${where} got ${describeValue(node)} at ${path}, where the first entries make the shape ${showShape(shape)} and a number belongs.`,
        fix: 'Nested arrays may hold only numbers (or booleans), all at the same depth.',
      });
    }
  };
  visit(value, 0, 'value');
  return { shape, data, bool: booleans > 0 && booleans === data.length };
}
