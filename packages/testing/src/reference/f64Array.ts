import { RuleError } from '@chainrules/core';
import { checkShape, describeValue, parseNested, showShape, sizeOf, stridesOf } from './f64Shape';
import type { Nested } from './f64Shape';

export type { Nested } from './f64Shape';

declare module '@chainrules/core' {
  interface ArrayTypes {
    f64: F64Array;
  }
}

const BRAND = Symbol.for('chainrules.testing.F64Array');
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/** The dtypes of an {@link F64Array}: float64 values, or the 0/1 results of comparisons. */
export type F64Dtype = 'float64' | 'bool';

/** What {@link f64} makes an array from: a number or boolean (0-d), nested arrays of them, a Float64Array or an F64Array. */
export type F64Input = number | boolean | readonly F64NestedInput[] | Float64Array | F64Array;

/** An entry of a nested-array input: a number, a boolean or a nested array of them. */
export type F64NestedInput = number | boolean | readonly F64NestedInput[];

/**
 * A dense row-major n-d array of float64 values: the array type of the reference namespace
 * `f64Api`. Boolean arrays (dtype `'bool'`, made by comparisons) hold 0 and 1. Treat the
 * data as immutable: nothing in this package writes to an array it did not just create.
 *
 * @example
 * ```ts
 * const x = new F64Array(Float64Array.of(1, 2, 3, 4), [2, 2]);
 * x.shape; // [2, 2]
 * ```
 */
export class F64Array {
  /** The length of each axis; `[]` for a 0-d array. Frozen. */
  readonly shape: readonly number[];
  /** The values in row-major order; its length is the product of `shape`. */
  readonly data: Float64Array;
  /** `'float64'`, or `'bool'` for the 0/1 results of comparisons. */
  readonly dtype: F64Dtype;

  /** Wraps `data` (not copied) as an array of `shape` (1-d by default); `wrong-shape` when the sizes differ. */
  constructor(data: Float64Array, shape: readonly number[] = [data.length], dtype: F64Dtype = 'float64') {
    if (!(data instanceof Float64Array)) {
      throw new RuleError('unsupported', {
        message: `new F64Array needs its data as a Float64Array, got ${describeValue(data)}.`,
        fix: 'Use f64(values, shape) to make an F64Array from numbers or nested arrays.',
      });
    }
    checkShape('new F64Array', shape);
    if (sizeOf(shape) !== data.length) {
      throw new RuleError('wrong-shape', {
        message: `new F64Array got ${data.length} values for the shape ${showShape(shape)}, which holds ${sizeOf(shape)}.`,
        fix: 'Pass as many values as the product of the shape (one for the 0-d shape []).',
      });
    }
    if (dtype !== 'float64' && dtype !== 'bool') {
      throw new RuleError('unsupported', {
        message: `new F64Array got the dtype ${describeValue(dtype)}; only 'float64' and 'bool' exist.`,
        fix: "Pass 'float64' (the default) or 'bool'.",
      });
    }
    this.shape = Object.freeze([...shape]);
    this.data = data;
    this.dtype = dtype;
  }

  /** Brand shared by every copy of this package, so {@link isF64Array} works across them. */
  get [BRAND](): true {
    return true;
  }

  /** `{ dtype, shape, data }` with the values nested (NaN and infinities become `null`, as JSON has none). */
  toJSON(): { dtype: F64Dtype; shape: number[]; data: Nested } {
    return { dtype: this.dtype, shape: [...this.shape], data: toNested(this) };
  }

  /** `F64Array [1, 2, 3]`, `F64Array(2×2) [[1, 2], [3, 4]]`. */
  toString(): string {
    return format(this);
  }

  /** Node's `util.inspect` (and so `console.log` and vitest diffs) show {@link F64Array.toString}. */
  [INSPECT](): string {
    return format(this);
  }
}

/**
 * True for an {@link F64Array} of any copy of `@chainrules/testing` (the brand decides).
 *
 * @example
 * ```ts
 * isF64Array(f64([1, 2])); // true
 * isF64Array(new Float64Array(2)); // false
 * ```
 */
export function isF64Array(value: unknown): value is F64Array {
  return value instanceof F64Array || (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true);
}

/**
 * An {@link F64Array} (always a copy) from a number or boolean (0-d), nested arrays (the shape is
 * their nesting; ragged input is `wrong-shape`), a Float64Array (1-d) or an F64Array. With
 * `shape`, the values (in row-major order) are laid out in that shape. Booleans alone make a
 * `'bool'` array.
 *
 * @example
 * ```ts
 * f64(3);                      // F64Array 3
 * f64([[1, 2], [3, 4]]);       // F64Array(2×2) [[1, 2], [3, 4]]
 * f64([1, 2, 3, 4], [2, 2]);   // the same
 * f64(new Float64Array(6), [2, 3]);
 * ```
 */
export function f64(value: F64Input, shape?: readonly number[]): F64Array {
  let out: F64Array;
  if (isF64Array(value)) out = new F64Array(Float64Array.from(value.data), value.shape, value.dtype);
  else if (value instanceof Float64Array) out = new F64Array(Float64Array.from(value));
  else if (typeof value === 'number' || typeof value === 'boolean' || Array.isArray(value)) {
    const parsed = parseNested('f64', value);
    out = new F64Array(parsed.data, parsed.shape, parsed.bool ? 'bool' : 'float64');
  } else {
    throw new RuleError('no-namespace', {
      message: `f64 takes a number, a boolean, nested arrays, a Float64Array or an F64Array, got ${describeValue(value)}.`,
      fix: 'Pass numbers, e.g. f64([[1, 2], [3, 4]]).',
    });
  }
  return shape === undefined ? out : new F64Array(out.data, checkShape('f64', shape), out.dtype);
}

/**
 * The values of `x` as nested arrays (a number for a 0-d array).
 *
 * @example
 * ```ts
 * toNested(f64([1, 2, 3, 4], [2, 2])); // [[1, 2], [3, 4]]
 * toNested(f64(5));                     // 5
 * ```
 */
export function toNested(x: F64Array): Nested {
  const strides = stridesOf(x.shape);
  const build = (depth: number, offset: number): Nested =>
    depth === x.shape.length ? x.data[offset]! : Array.from({ length: x.shape[depth]! }, (_, i) => build(depth + 1, offset + i * strides[depth]!));
  return build(0, 0);
}

/**
 * The values of `x`, flat in row-major order.
 *
 * @example
 * ```ts
 * toNumbers(f64([[1, 2], [3, 4]])); // [1, 2, 3, 4]
 * ```
 */
export function toNumbers(x: F64Array): number[] {
  return Array.from(x.data);
}

/** Arrays of more elements than this print with their long axes cut to 3 + … + 3. */
const SUMMARY_THRESHOLD = 1000;

function format(x: F64Array): string {
  const tags = [x.shape.length >= 2 ? x.shape.join('×') : undefined, x.dtype === 'bool' ? 'bool' : undefined].filter((tag) => tag !== undefined);
  const head = tags.length > 0 ? `F64Array(${tags.join(', ')})` : 'F64Array';
  const strides = stridesOf(x.shape);
  const summarize = x.data.length > SUMMARY_THRESHOLD;
  const show = (depth: number, offset: number): string => {
    if (depth === x.shape.length) {
      const value = x.data[offset]!;
      return Object.is(value, -0) ? '-0' : String(value);
    }
    const length = x.shape[depth]!;
    const picks = summarize && length > 6 ? [0, 1, 2, -1, length - 3, length - 2, length - 1] : Array.from({ length }, (_, i) => i);
    return `[${picks.map((i) => (i < 0 ? '…' : show(depth + 1, offset + i * strides[depth]!))).join(', ')}]`;
  };
  return `${head} ${show(0, 0)}`;
}
