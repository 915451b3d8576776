import { RuleError } from '@chainrules/core';
import type { ArrayApi } from '@chainrules/core';
import { beforeAll, describe, expect, it } from 'vitest';

/** How {@link describeArrayApiConformance} reads, compares and sets up an engine's namespace. */
export interface ArrayApiConformanceOptions<A> {
  /**
   * Reads an array of the namespace back as its shape and flat row-major values. It also
   * reads the boolean arrays of comparisons, as 0 and 1.
   */
  read(x: A): { shape: readonly number[]; data: readonly number[] };
  /** Relative tolerance of value comparisons (default 1e-12; float32 engines pass ~1e-5). */
  rtol?: number;
  /** Absolute tolerance of value comparisons (default 1e-12; float32 engines pass ~1e-5). */
  atol?: number;
  /** Runs once before the suite (e.g. to initialise a wasm backend). */
  setup?: () => void | Promise<void>;
  /**
   * Operations the engine lacks; their tests are skipped with the key in the title:
   *
   * - `'matmul-batched'`: `matmul` of operands with batch axes (3-d and more, broadcast batch axes).
   * - `'small-x'`: `log1p` and `expm1` accurate to `rtol` alone (no `atol`) at |x| = 1e-10.
   * - `'nan'`: NaN propagating through `maximum`, `minimum`, `max` and `min`.
   * - `'zero-size'`: arrays with an axis of length 0.
   */
  cannot?: readonly string[];
}

/** The keys `cannot` accepts, with what each skips. */
const GAPS: Readonly<Record<string, string>> = {
  'matmul-batched': 'matmul of operands with batch axes',
  'small-x': 'log1p and expm1 to relative accuracy at |x| = 1e-10',
  nan: 'NaN propagation through maximum, minimum, max and min',
  'zero-size': 'arrays with an axis of length 0',
};

/** Nested numbers: what the suite makes arrays from and writes expected values as. */
type Nested = number | readonly Nested[];

/**
 * Registers a vitest suite that checks an `ArrayApi` (core's interface) against values written in the
 * suite: every elementwise function (edge values included), numbers on either side,
 * broadcasting, comparisons and `where`, each reduction over all / one / negative / several
 * axes with and without `keepdims`, the shape operations, every form of `matmul`, and the
 * constructors. Inputs are made with `xp.asarray` only; results are read with
 * `options.read`. For impossible shapes it asserts only that something throws (when the
 * result is made or read), since engines throw their own errors.
 *
 * @example
 * ```ts
 * // test/arrayApi.test.ts of an adapter package
 * describeArrayApiConformance('tfjs', tfjsApi, {
 *   read: (x) => ({ shape: x.shape, data: Array.from(x.dataSync()) }),
 *   rtol: 1e-5,
 *   atol: 1e-5,
 *   cannot: ['small-x'],
 * });
 * ```
 */
export function describeArrayApiConformance<A>(name: string, xp: ArrayApi<A, unknown>, options: ArrayApiConformanceOptions<A>): void {
  const cannot = new Set(options.cannot ?? []);
  for (const key of cannot) {
    if (!Object.hasOwn(GAPS, key)) {
      throw new RuleError('invalid-options', {
        message: `describeArrayApiConformance('${name}') got the unknown cannot key ${JSON.stringify(key)}.`,
        fix: `Use only ${Object.keys(GAPS).map((k) => `'${k}'`).join(', ')}.`,
      });
    }
  }
  const rtol = options.rtol ?? 1e-12;
  const atol = options.atol ?? 1e-12;
  const setup = options.setup;

  const a = (value: Nested): A => xp.asarray(value as number | readonly unknown[]);
  const read = (x: unknown) => options.read(x as A);

  /** Checks `actual`'s shape (the nesting of `expected`) and values, within the tolerances. */
  const same = (actual: unknown, expected: Nested, tolerance = { rtol, atol }): void => {
    const shape: number[] = [];
    for (let probe: Nested | undefined = expected; Array.isArray(probe); probe = (probe as readonly Nested[])[0]) shape.push((probe as readonly Nested[]).length);
    const values = flatten(expected);
    const got = read(actual);
    expect([...got.shape], 'shape').toEqual(shape);
    const data = [...got.data];
    expect(data.length, 'number of values').toBe(values.length);
    const wrong = values.flatMap((want, i) => (close(data[i]!, want, tolerance) ? [] : [`[${i}]: got ${data[i]}, want ${want}`]));
    expect(wrong, `values [${data.join(', ')}]`).toEqual([]);
  };
  const throws = (make: () => unknown): void => {
    expect(() => read(make())).toThrow();
  };
  const test = (title: string, run: () => void, gap?: string): void => {
    // Skipped, not passed: the namespace declared in `cannot` that it lacks this operation.
    if (gap !== undefined && cannot.has(gap)) it.skip(`${title} (cannot: ${gap})`, run);
    else it(title, run);
  };

  describe(`ArrayApi conformance: ${name}`, () => {
    if (setup !== undefined) {
      beforeAll(async () => {
        await setup();
      }, 120_000);
    }

    it('has a name', () => {
      expect(typeof xp.name).toBe('string');
      expect(xp.name.length).toBeGreaterThan(0);
    });

    describe('creation and shape', () => {
      it('asarray makes 0-d arrays from numbers and n-d arrays from nested arrays', () => {
        same(xp.asarray(3), 3);
        same(a([1, 2, 3]), [1, 2, 3]);
        same(a([[1, 2, 3], [4, 5, 6]]), [[1, 2, 3], [4, 5, 6]]);
        same(a([[1], [2]]), [[1], [2]]);
        same(a([[[1, 2]], [[3, 4]]]), [[[1, 2]], [[3, 4]]]);
        same(xp.asarray(a([1.5, -2])), [1.5, -2]);
      });
      it('shape gives each axis length', () => {
        expect([...xp.shape(a([[1, 2, 3], [4, 5, 6]]))]).toEqual([2, 3]);
        expect([...xp.shape(a([7]))]).toEqual([1]);
        expect([...xp.shape(xp.asarray(7))]).toEqual([]);
        expect([...xp.shape(7)]).toEqual([]);
      });
      it.skipIf(xp.toNumber === undefined)('toNumber reads a 0-d or one-element array, and a number, as a number', () => {
        expect(xp.toNumber!(xp.asarray(-2.5))).toBeCloseTo(-2.5, 6);
        expect(xp.toNumber!(a([[4.25]]))).toBeCloseTo(4.25, 6);
        expect(xp.toNumber!(xp.max(a([1, 7, 3])))).toBeCloseTo(7, 6);
        expect(xp.toNumber!(1.5)).toBe(1.5);
      });
      it('zerosLike and onesLike keep the shape', () => {
        same(xp.zerosLike(a([[1, 2], [3, 4]])), [[0, 0], [0, 0]]);
        same(xp.onesLike(a([[1, 2, 3]])), [[1, 1, 1]]);
        same(xp.zerosLike(3), 0);
        same(xp.onesLike(3), 1);
        same(xp.onesLike(xp.asarray(-2)), 1);
      });
      test('zero-size arrays', () => {
        same(a([]), []);
        same(a([[], []]), [[], []]);
        same(xp.add(a([]), 1), []);
        same(xp.sum(a([])), 0);
        same(xp.prod(a([])), 1);
        same(xp.sum(a([[], []]), { axis: 1 }), [0, 0]);
        same(xp.matmul(a([[], []]), a([])), [0, 0]);
      }, 'zero-size');
    });

    describe('elementwise', () => {
      it('add, subtract, multiply, divide', () => {
        same(xp.add(a([1, 2, 3]), a([10, 20, 30])), [11, 22, 33]);
        same(xp.subtract(a([1, 2, 3]), a([10, 20, 30])), [-9, -18, -27]);
        same(xp.multiply(a([1, 2, 3]), a([4, 5, -6])), [4, 10, -18]);
        same(xp.divide(a([1, 2, 3]), a([4, 5, 8])), [0.25, 0.4, 0.375]);
        same(xp.add(a([[1, 2], [3, 4]]), a([[0.5, 0.5], [-1, -1]])), [[1.5, 2.5], [2, 3]]);
      });
      it('pow, maximum, minimum', () => {
        same(xp.pow(a([2, 3, 4, 5]), a([3, 2, 0.5, 0])), [8, 9, 2, 1]);
        same(xp.maximum(a([1, 5, -2, 0]), a([3, 2, -2, -0.5])), [3, 5, -2, 0]);
        same(xp.minimum(a([1, 5, -2, 0]), a([3, 2, -2, -0.5])), [1, 2, -2, -0.5]);
      });
      it('negative, abs, sign (sign(0) is 0), square, sqrt', () => {
        same(xp.negative(a([1, -2, 0.5])), [-1, 2, -0.5]);
        same(xp.abs(a([-1.5, 0, 2])), [1.5, 0, 2]);
        same(xp.sign(a([-3, 0, 2.5])), [-1, 0, 1]);
        same(xp.square(a([-3, 0.5, 0])), [9, 0.25, 0]);
        same(xp.sqrt(a([0, 4, 2.25, 2])), [0, 2, 1.5, 1.4142135623730951]);
      });
      it('exp, expm1, log, log1p', () => {
        same(xp.exp(a([0, 1, -1])), [1, 2.718281828459045, 0.36787944117144233]);
        same(xp.expm1(a([0, 1])), [0, 1.718281828459045]);
        same(xp.log(a([1, 2.718281828459045, 0.5])), [0, 1, -0.6931471805599453]);
        same(xp.log1p(a([0, 1, -0.5])), [0, 0.6931471805599453, -0.6931471805599453]);
      });
      test('log1p and expm1 keep their accuracy at small x', () => {
        // atol 0: a naive log(1 + x) gives 0 here, which any atol above 1e-10 would accept.
        same(xp.log1p(a([1e-10, -1e-10])), [9.9999999995e-11, -1.00000000005e-10], { rtol, atol: 0 });
        same(xp.expm1(a([1e-10, -1e-10])), [1.00000000005e-10, -9.9999999995e-11], { rtol, atol: 0 });
      }, 'small-x');
      it('sin, cos, tanh', () => {
        same(xp.sin(a([0, 1, 1.5707963267948966])), [0, 0.8414709848078965, 1]);
        same(xp.cos(a([0, 1, 3.141592653589793])), [1, 0.5403023058681398, -1]);
        same(xp.tanh(a([0, 1, -20])), [0, 0.7615941559557649, -1]);
      });
      it('apply to 0-d arrays and plain numbers', () => {
        same(xp.exp(xp.asarray(0)), 1);
        same(xp.negative(3), -3);
        same(xp.sqrt(9), 3);
      });
      test('NaN propagates through maximum, minimum, max and min', () => {
        same(xp.maximum(a([NaN, 1]), a([0, NaN])), [NaN, NaN]);
        same(xp.minimum(a([NaN, 1]), a([0, NaN])), [NaN, NaN]);
        same(xp.max(a([1, NaN, 3])), NaN);
        same(xp.min(a([1, NaN, 3])), NaN);
      }, 'nan');
    });

    describe('numbers on either side', () => {
      it('of each binary operation', () => {
        same(xp.add(2, a([1, 2])), [3, 4]);
        same(xp.add(a([1, 2]), 2), [3, 4]);
        same(xp.subtract(10, a([1, 2, 3])), [9, 8, 7]);
        same(xp.subtract(a([1, 2, 3]), 10), [-9, -8, -7]);
        same(xp.multiply(-2, a([[1], [2]])), [[-2], [-4]]);
        same(xp.divide(1, a([2, 4])), [0.5, 0.25]);
        same(xp.divide(a([2, 4]), 8), [0.25, 0.5]);
        same(xp.pow(2, a([1, 2, 3])), [2, 4, 8]);
        same(xp.pow(a([1, 2, 3]), 2), [1, 4, 9]);
        same(xp.maximum(0, a([-1, 2])), [0, 2]);
        same(xp.minimum(a([-1, 2]), 0), [-1, 0]);
      });
      it('with two numbers, as 0-d arrays', () => {
        same(xp.add(2, 3), 5);
        same(xp.multiply(xp.asarray(2), 3), 6);
      });
    });

    describe('broadcasting', () => {
      it('[3] with [2, 1] gives [2, 3]', () => {
        same(xp.add(a([1, 2, 3]), a([[10], [20]])), [[11, 12, 13], [21, 22, 23]]);
        same(xp.multiply(a([[10], [20]]), a([1, 2, 3])), [[10, 20, 30], [20, 40, 60]]);
      });
      it('0-d arrays with n-d arrays', () => {
        same(xp.multiply(xp.asarray(2), a([[1, 2], [3, 4]])), [[2, 4], [6, 8]]);
        same(xp.subtract(a([[1, 2], [3, 4]]), xp.asarray(1)), [[0, 1], [2, 3]]);
      });
      it('rows against matrices and over three axes', () => {
        same(xp.subtract(a([[1, 2], [3, 4], [5, 6]]), a([1, 2])), [[0, 0], [2, 2], [4, 4]]);
        same(xp.add(a([[[1]], [[2]]]), a([[10, 20, 30]])), [[[11, 21, 31]], [[12, 22, 32]]]);
        same(xp.divide(a([[[1, 2]], [[3, 4]]]), a([[1], [2]])), [[[1, 2], [0.5, 1]], [[3, 4], [1.5, 2]]]);
      });
      it('throws for shapes that do not broadcast', () => {
        throws(() => xp.add(a([1, 2, 3]), a([1, 2])));
        throws(() => xp.multiply(a([[1, 2, 3], [4, 5, 6]]), a([1, 2])));
        throws(() => xp.maximum(a([[1, 2], [3, 4]]), a([[1, 2, 3]])));
      });
    });

    describe('comparisons and where', () => {
      const x = () => a([1, 2, 3]);
      const y = () => a([2, 2, 2]);
      it('each comparison, read as 0 and 1', () => {
        same(xp.greater(x(), y()), [0, 0, 1]);
        same(xp.greaterEqual(x(), y()), [0, 1, 1]);
        same(xp.less(x(), y()), [1, 0, 0]);
        same(xp.lessEqual(x(), y()), [1, 1, 0]);
        same(xp.equal(x(), y()), [0, 1, 0]);
        same(xp.notEqual(x(), y()), [1, 0, 1]);
      });
      it('with numbers on either side and broadcasting', () => {
        same(xp.greater(x(), 2), [0, 0, 1]);
        same(xp.less(2, x()), [0, 0, 1]);
        same(xp.equal(2, x()), [0, 1, 0]);
        same(xp.greaterEqual(a([[1], [3]]), a([2, 0])), [[0, 1], [1, 1]]);
      });
      it('where selects elementwise', () => {
        same(xp.where(xp.greater(x(), 1), x(), a([10, 20, 30])), [10, 2, 3]);
        same(xp.where(xp.less(x(), 2), 5, x()), [5, 2, 3]);
        same(xp.where(xp.greater(x(), 2), x(), 0), [0, 0, 3]);
      });
      it('where broadcasts its three operands', () => {
        same(xp.where(xp.greater(a([[1], [3]]), 2), a([1, 2, 3]), -1), [[-1, -1, -1], [1, 2, 3]]);
        same(xp.where(xp.greater(x(), 1.5), 1, a([[7], [8]])), [[7, 1, 1], [8, 1, 1]]);
      });
      it('where takes a boolean scalar condition', () => {
        same(xp.where(true, x(), 0), [1, 2, 3]);
        same(xp.where(false, x(), 0), [0, 0, 0]);
        same(xp.where(false, 1, a([[4, 5]])), [[4, 5]]);
      });
      it('throws for shapes that do not broadcast', () => {
        throws(() => xp.greater(a([1, 2, 3]), a([1, 2])));
        throws(() => xp.where(xp.greater(a([1, 2]), 0), a([1, 2, 3]), 0));
      });
    });

    describe('reductions', () => {
      const x2 = () => a([[1, 2, 3], [4, 5, 6]]);
      const x3 = () => a([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
      const expected = {
        sum: { all: 21, first: [5, 7, 9], last: [6, 15], several: [14, 22], keep: [[6], [15]], keepAll: [[21]], keepSeveral: [[[14], [22]]] },
        mean: { all: 3.5, first: [2.5, 3.5, 4.5], last: [2, 5], several: [3.5, 5.5], keep: [[2], [5]], keepAll: [[3.5]], keepSeveral: [[[3.5], [5.5]]] },
        prod: { all: 720, first: [4, 10, 18], last: [6, 120], several: [60, 672], keep: [[6], [120]], keepAll: [[720]], keepSeveral: [[[60], [672]]] },
        max: { all: 6, first: [4, 5, 6], last: [3, 6], several: [6, 8], keep: [[3], [6]], keepAll: [[6]], keepSeveral: [[[6], [8]]] },
        min: { all: 1, first: [1, 2, 3], last: [1, 4], several: [1, 3], keep: [[1], [4]], keepAll: [[1]], keepSeveral: [[[1], [3]]] },
      } as const;
      for (const op of ['sum', 'mean', 'prod', 'max', 'min'] as const) {
        const want = expected[op];
        it(`${op} over all axes`, () => {
          same(xp[op](x2()), want.all);
          same(xp[op](x3()), { sum: 36, mean: 4.5, prod: 40320, max: 8, min: 1 }[op]);
          same(xp[op](xp.asarray(3)), 3);
        });
        it(`${op} over one axis`, () => {
          same(xp[op](x2(), { axis: 0 }), want.first);
          same(xp[op](x2(), { axis: 1 }), want.last);
          same(xp[op](x2(), { axis: [0] }), want.first);
        });
        it(`${op} over a negative axis`, () => {
          same(xp[op](x2(), { axis: -1 }), want.last);
          same(xp[op](x2(), { axis: -2 }), want.first);
        });
        it(`${op} over several axes`, () => {
          same(xp[op](x3(), { axis: [0, 2] }), want.several);
          same(xp[op](x3(), { axis: [-1, 0] }), want.several);
          same(xp[op](x2(), { axis: [0, 1] }), want.all);
        });
        it(`${op} with keepdims`, () => {
          same(xp[op](x2(), { axis: 1, keepdims: true }), want.keep);
          same(xp[op](x2(), { keepdims: true }), want.keepAll);
          same(xp[op](x3(), { axis: [0, -1], keepdims: true }), want.keepSeveral);
          same(xp[op](x2(), { axis: 1, keepdims: false }), want.last);
        });
      }
    });

    describe('shape operations', () => {
      const x = () => a([[1, 2, 3], [4, 5, 6]]);
      it('reshape, with one -1 inferred', () => {
        same(xp.reshape(x(), [3, 2]), [[1, 2], [3, 4], [5, 6]]);
        same(xp.reshape(x(), [6]), [1, 2, 3, 4, 5, 6]);
        same(xp.reshape(x(), [-1]), [1, 2, 3, 4, 5, 6]);
        same(xp.reshape(x(), [-1, 2]), [[1, 2], [3, 4], [5, 6]]);
        same(xp.reshape(x(), [3, 1, -1]), [[[1, 2]], [[3, 4]], [[5, 6]]]);
        same(xp.reshape(xp.asarray(5), [1, 1]), [[5]]);
        same(xp.reshape(a([[5]]), []), 5);
      });
      it('reshape throws for a size mismatch', () => {
        throws(() => xp.reshape(x(), [4]));
        throws(() => xp.reshape(x(), [4, -1]));
      });
      it('broadcastTo', () => {
        same(xp.broadcastTo(a([1, 2, 3]), [2, 3]), [[1, 2, 3], [1, 2, 3]]);
        same(xp.broadcastTo(a([[1], [2]]), [2, 3]), [[1, 1, 1], [2, 2, 2]]);
        same(xp.broadcastTo(xp.asarray(7), [2, 2]), [[7, 7], [7, 7]]);
        same(xp.broadcastTo(7, [3]), [7, 7, 7]);
        same(xp.broadcastTo(a([[1, 2]]), [2, 1, 2]), [[[1, 2]], [[1, 2]]]);
        same(xp.broadcastTo(x(), [2, 3]), [[1, 2, 3], [4, 5, 6]]);
      });
      it('broadcastTo throws when the shape is not reachable', () => {
        throws(() => xp.broadcastTo(a([1, 2, 3]), [2, 2]));
        throws(() => xp.broadcastTo(x(), [3]));
      });
      it('expandDims, with negative axes', () => {
        same(xp.expandDims(a([1, 2, 3]), 0), [[1, 2, 3]]);
        same(xp.expandDims(a([1, 2, 3]), 1), [[1], [2], [3]]);
        same(xp.expandDims(a([1, 2, 3]), -1), [[1], [2], [3]]);
        same(xp.expandDims(a([1, 2, 3]), -2), [[1, 2, 3]]);
        same(xp.expandDims(x(), -2), [[[1, 2, 3]], [[4, 5, 6]]]);
        same(xp.expandDims(x(), 2), [[[1], [2], [3]], [[4], [5], [6]]]);
        same(xp.expandDims(xp.asarray(4), 0), [4]);
      });
      it('transpose, reversing the axes when none are given', () => {
        same(xp.transpose(x()), [[1, 4], [2, 5], [3, 6]]);
        same(xp.transpose(x(), [1, 0]), [[1, 4], [2, 5], [3, 6]]);
        same(xp.transpose(x(), [0, 1]), [[1, 2, 3], [4, 5, 6]]);
        same(xp.transpose(a([1, 2, 3])), [1, 2, 3]);
        const cube = () => a([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
        same(xp.transpose(cube()), [[[1, 5], [3, 7]], [[2, 6], [4, 8]]]);
        same(xp.transpose(cube(), [1, 0, 2]), [[[1, 2], [5, 6]], [[3, 4], [7, 8]]]);
        same(xp.transpose(a([[[1], [2], [3]], [[4], [5], [6]]]), [2, 0, 1]), [[[1, 2, 3], [4, 5, 6]]]);
      });
    });

    describe('matmul', () => {
      it('1-d · 1-d is a 0-d inner product', () => {
        same(xp.matmul(a([1, 2, 3]), a([4, 5, 6])), 32);
      });
      it('2-d · 2-d', () => {
        same(xp.matmul(a([[1, 2], [3, 4]]), a([[5, 6], [7, 8]])), [[19, 22], [43, 50]]);
        same(xp.matmul(a([[1, 2, 3], [4, 5, 6]]), a([[1], [0], [2]])), [[7], [16]]);
        same(xp.matmul(a([[1], [2]]), a([[3, 4]])), [[3, 4], [6, 8]]);
      });
      it('2-d · 1-d and 1-d · 2-d drop the promoted axis', () => {
        same(xp.matmul(a([[1, 2, 3], [4, 5, 6]]), a([1, 0, 2])), [7, 16]);
        same(xp.matmul(a([1, 2]), a([[1, 2, 3], [4, 5, 6]])), [9, 12, 15]);
      });
      test('batched, broadcasting the batch axes', () => {
        const batch = () => a([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
        same(xp.matmul(batch(), a([[1, 0], [0, 2]])), [[[1, 4], [3, 8]], [[5, 12], [7, 16]]]);
        same(xp.matmul(a([[1, 0], [0, 2]]), batch()), [[[1, 2], [6, 8]], [[5, 6], [14, 16]]]);
        same(xp.matmul(batch(), batch()), [[[7, 10], [15, 22]], [[67, 78], [91, 106]]]);
        same(xp.matmul(a([[[1, 2]], [[3, 4]]]), a([[[1], [1]], [[2], [0]]])), [[[3]], [[6]]]);
        same(xp.matmul(batch(), a([1, 1])), [[3, 7], [11, 15]]);
        same(xp.matmul(a([[[[1, 2]]], [[[3, 4]]]]), a([[[1], [0]], [[0], [1]], [[1], [1]]])), [[[[1]], [[2]], [[3]]], [[[3]], [[4]], [[7]]]]);
      }, 'matmul-batched');
      it('throws for mismatched inner dimensions', () => {
        throws(() => xp.matmul(a([[1, 2, 3]]), a([[1, 2]])));
        throws(() => xp.matmul(a([1, 2, 3]), a([1, 2])));
        throws(() => xp.matmul(a([[1, 2], [3, 4]]), a([1, 2, 3])));
      });
    });

    it('leaves its inputs unchanged', () => {
      const x = a([[1, -2, 3], [4, 5, -6]]);
      const y = a([10, 20, 30]);
      const results = [
        xp.add(x, y), xp.multiply(y, x), xp.negative(x), xp.exp(x), xp.abs(x), xp.where(xp.greater(x, 0), x, y), xp.sum(x, { axis: 0 }),
        xp.max(x), xp.reshape(x, [3, 2]), xp.broadcastTo(y, [2, 3]), xp.expandDims(y, 0), xp.transpose(x), xp.matmul(x, y), xp.zerosLike(x),
      ];
      expect(results).toHaveLength(14);
      same(x, [[1, -2, 3], [4, 5, -6]]);
      same(y, [10, 20, 30]);
    });
  });
}

function flatten(value: Nested): number[] {
  return Array.isArray(value) ? (value as readonly Nested[]).flatMap(flatten) : [value as number];
}

function close(got: number, want: number, tolerance: { rtol: number; atol: number }): boolean {
  if (Number.isNaN(want)) return Number.isNaN(got);
  if (got === want) return true;
  return Math.abs(got - want) <= tolerance.atol + tolerance.rtol * Math.abs(want);
}
