import { inspect } from 'node:util';
import { defineRule, installAdapter, installedAdapters, isRuleError, namespaceOf, numberApi, rrule } from '@chainrules/core';
import type { RuleErrorCode } from '@chainrules/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeArrayApiConformance } from '../src/conformance/arrayApi';
import { referenceAdapter, referenceConfig, withReferenceAdapter } from '../src/reference/adapter';
import { f64Api as xp } from '../src/reference/f64Api';
import { F64Array, f64, isF64Array, toNested, toNumbers } from '../src/reference/f64Array';

const read = (x: F64Array) => ({ shape: x.shape, data: toNumbers(x) });

describeArrayApiConformance('f64Api', xp, { read });

let setupRan = false;
describeArrayApiConformance('f64Api with float32 tolerances and every gap declared', xp, {
  read,
  rtol: 1e-5,
  atol: 1e-5,
  setup: async () => {
    await Promise.resolve();
    setupRan = true;
  },
  cannot: ['matmul-batched', 'small-x', 'nan', 'zero-size'],
});

/** Calls `run` and returns the RuleError it throws (failing when it throws none or another error). */
function ruleErrorOf(run: () => unknown, code: RuleErrorCode): Error & { fix?: string | undefined } {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(isRuleError(caught), `expected a RuleError, got ${String(caught)}`).toBe(true);
  const error = caught as Error & { code: RuleErrorCode; fix?: string | undefined };
  expect(error.code).toBe(code);
  expect(error.fix ?? '').not.toBe('');
  return error;
}

describe('the conformance suite itself', () => {
  it('ran the setup of the second suite', () => {
    expect(setupRan).toBe(true);
  });
  it('rejects unknown cannot keys', () => {
    const error = ruleErrorOf(() => describeArrayApiConformance('typo', xp, { read, cannot: ['matmul-batch'] }), 'invalid-options');
    expect(error.message).toContain('matmul-batch');
    expect(error.message).toContain("'matmul-batched'");
  });
});

describe('F64Array and f64', () => {
  it('round-trips nested arrays, numbers and flat data', () => {
    expect(toNested(f64([[1, 2, 3], [4, 5, 6]]))).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(toNested(f64(3))).toBe(3);
    expect(f64(3).shape).toEqual([]);
    expect(toNested(f64([]))).toEqual([]);
    expect(f64([[], []]).shape).toEqual([2, 0]);
    expect(toNumbers(f64([[1, 2], [3, 4]]))).toEqual([1, 2, 3, 4]);
    expect(toNested(f64([1, 2, 3, 4, 5, 6], [3, 2]))).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(toNested(f64(Float64Array.of(1, 2, 3, 4), [2, 2]))).toEqual([[1, 2], [3, 4]]);
    expect(f64(Float64Array.of(1, 2, 3)).shape).toEqual([3]);
    expect(toNested(f64(f64([[1, 2]])))).toEqual([[1, 2]]);
  });

  it('copies its input', () => {
    const source = Float64Array.of(1, 2);
    const fromTyped = f64(source);
    source[0] = 99;
    expect(toNumbers(fromTyped)).toEqual([1, 2]);
    const original = f64([1, 2]);
    const copy = f64(original);
    expect(copy).not.toBe(original);
    expect(copy.data).not.toBe(original.data);
    const nested = [[1, 2]];
    const fromNested = f64(nested);
    nested[0]![0] = 99;
    expect(toNested(fromNested)).toEqual([[1, 2]]);
  });

  it('rejects ragged nesting, stray leaves and wrong sizes', () => {
    expect(ruleErrorOf(() => f64([[1, 2], [3]]), 'wrong-shape').message).toContain('value[1]');
    ruleErrorOf(() => f64([1, [2]] as never), 'wrong-shape');
    ruleErrorOf(() => f64([[1], 2] as never), 'wrong-shape');
    expect(ruleErrorOf(() => f64(['a'] as never), 'no-namespace').message).toContain('the string "a"');
    // eslint-disable-next-line no-sparse-arrays -- a hole in the input is the case under test
    ruleErrorOf(() => f64([, 1] as never), 'no-namespace');
    expect(ruleErrorOf(() => f64([1, 2, 3], [2, 2]), 'wrong-shape').message).toContain('[2, 2]');
    ruleErrorOf(() => f64([1, 2], [-1, -2]), 'wrong-shape');
    ruleErrorOf(() => new F64Array(new Float64Array(3), [2, 2]), 'wrong-shape');
    ruleErrorOf(() => new F64Array([1, 2] as never), 'unsupported');
    ruleErrorOf(() => f64('1' as never), 'no-namespace');
  });

  it('has dtype float64, or bool for booleans and comparisons', () => {
    expect(f64([1, 2]).dtype).toBe('float64');
    expect(f64(true).dtype).toBe('bool');
    expect(toNested(f64([true, false]))).toEqual([1, 0]);
    expect(f64([true, false]).dtype).toBe('bool');
    expect(f64([true, 2]).dtype).toBe('float64');
    const mask = xp.greater(f64([1, 2, 3]), 2);
    expect(mask.dtype).toBe('bool');
    expect(toNumbers(mask)).toEqual([0, 0, 1]);
    expect(xp.add(mask, 1).dtype).toBe('float64');
    expect(toNumbers(xp.add(mask, 1))).toEqual([1, 1, 2]);
    expect(xp.asarray([true]).dtype).toBe('bool');
    expect(toNumbers(xp.where(f64([1, 0, -2]), 1, 0))).toEqual([1, 0, 1]);
  });

  it('is recognised by its brand, across copies of the package', () => {
    expect(isF64Array(f64([1]))).toBe(true);
    const foreign = { get [Symbol.for('chainrules.testing.F64Array')]() { return true; } };
    expect(isF64Array(foreign)).toBe(true);
    const foreignArray = Object.assign(Object.create(foreign) as object, { shape: [2], data: Float64Array.of(3, 4), dtype: 'float64' });
    expect(toNumbers(xp.add(foreignArray as unknown as F64Array, 1))).toEqual([4, 5]);
    for (const value of [new Float64Array(2), { shape: [], data: Float64Array.of(1) }, null, 1, [1], undefined]) expect(isF64Array(value)).toBe(false);
  });

  it('prints its values and serialises to JSON', () => {
    expect(inspect(f64([1, 2, 3]))).toBe('F64Array [1, 2, 3]');
    expect(inspect(f64([[1, 2], [3, 4]]))).toBe('F64Array(2×2) [[1, 2], [3, 4]]');
    expect(inspect(f64(-0))).toBe('F64Array -0');
    expect(String(xp.less(f64([1, 2]), 2))).toBe('F64Array(bool) [1, 0]');
    expect(inspect(f64(new Float64Array(2000)))).toBe('F64Array [0, 0, 0, …, 0, 0, 0]');
    expect(JSON.parse(JSON.stringify(f64([[1, 2]])))).toEqual({ dtype: 'float64', shape: [1, 2], data: [[1, 2]] });
  });

  it('has frozen shapes', () => {
    const x = f64([1, 2]);
    expect(Object.isFrozen(x.shape)).toBe(true);
    expect(Object.isFrozen(xp.shape(x))).toBe(true);
  });
});

describe('f64Api errors', () => {
  it('names the op and the shapes when shapes do not fit', () => {
    const add = ruleErrorOf(() => xp.add(f64([1, 2, 3]), f64([1, 2])), 'wrong-shape');
    expect(add.message).toContain('f64Api.add');
    expect(add.message).toContain('[3] and [2]');
    const where = ruleErrorOf(() => xp.where(true, f64([1, 2]), f64([1, 2, 3])), 'wrong-shape');
    expect(where.message).toContain('f64Api.where');
    expect(ruleErrorOf(() => xp.reshape(f64([1, 2, 3, 4, 5, 6], [2, 3]), [4]), 'wrong-shape').message).toMatch(/f64Api\.reshape.*\[2, 3\].*\[4\]/);
    ruleErrorOf(() => xp.reshape(f64([1, 2, 3, 4]), [-1, -1]), 'wrong-shape');
    ruleErrorOf(() => xp.reshape(f64([1, 2, 3]), [2, -1]), 'wrong-shape');
    ruleErrorOf(() => xp.reshape(f64([1, 2]), [1.5] as never), 'wrong-shape');
    expect(ruleErrorOf(() => xp.broadcastTo(f64([1, 2, 3]), [2, 2]), 'wrong-shape').message).toContain('[3] to [2, 2]');
    ruleErrorOf(() => xp.broadcastTo(f64([[1, 2]]), [2]), 'wrong-shape');
    ruleErrorOf(() => xp.broadcastTo(f64([1]), [-2]), 'wrong-shape');
    const matmul = ruleErrorOf(() => xp.matmul(f64([[1, 2, 3]]), f64([[1, 2]])), 'wrong-shape');
    expect(matmul.message).toContain('[1, 3] and [1, 2]');
    ruleErrorOf(() => xp.matmul(f64([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2]), f64([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [3, 2, 2])), 'wrong-shape');
  });

  it('rejects bad axes', () => {
    const x = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(ruleErrorOf(() => xp.sum(x, { axis: 2 }), 'wrong-shape').message).toMatch(/f64Api\.sum.*axis 2.*\[2, 3\]/);
    ruleErrorOf(() => xp.mean(x, { axis: -3 }), 'wrong-shape');
    ruleErrorOf(() => xp.max(x, { axis: [0, -2] }), 'wrong-shape');
    ruleErrorOf(() => xp.prod(x, { axis: 0.5 }), 'wrong-shape');
    ruleErrorOf(() => xp.sum(x, 'all' as never), 'unsupported');
    ruleErrorOf(() => xp.expandDims(x, 3), 'wrong-shape');
    ruleErrorOf(() => xp.expandDims(x, -4), 'wrong-shape');
    expect(toNested(xp.expandDims(x, -3))).toEqual([[[1, 2, 3], [4, 5, 6]]]);
    expect(ruleErrorOf(() => xp.transpose(x, [0]), 'wrong-shape').message).toContain('f64Api.transpose');
    ruleErrorOf(() => xp.transpose(x, [0, 0]), 'wrong-shape');
    ruleErrorOf(() => xp.transpose(x, [0, 2]), 'wrong-shape');
    expect(toNested(xp.transpose(x, [-1, 0]))).toEqual([[1, 4], [2, 5], [3, 6]]);
  });

  it('rejects what has no meaning and values of no namespace', () => {
    expect(ruleErrorOf(() => xp.matmul(2, f64([1, 2])), 'unsupported').message).toContain('f64Api.matmul');
    ruleErrorOf(() => xp.max(f64([]), {}), 'unsupported');
    ruleErrorOf(() => xp.min(f64([], [2, 0]), { axis: 1 }), 'unsupported');
    expect(toNumbers(xp.max(f64([], [0, 2]), { axis: 1 }))).toEqual([]);
    expect(ruleErrorOf(() => xp.add(f64([1]), [1] as never), 'no-namespace').message).toContain('f64Api.add');
    ruleErrorOf(() => xp.exp('1' as never), 'no-namespace');
    ruleErrorOf(() => xp.shape(null as never), 'no-namespace');
    ruleErrorOf(() => xp.asarray({} as never), 'no-namespace');
    ruleErrorOf(() => xp.asarray([[1], [2, 3]]), 'wrong-shape');
    ruleErrorOf(() => xp.asarray([1, 'x']), 'no-namespace');
  });
});

describe('f64Api results', () => {
  it('are fresh float64 arrays and leave every input unchanged', () => {
    const x = f64([[1, -2, 3], [4, 5, -6]]);
    const y = f64([0.5, 2, -1]);
    const mask = xp.greater(x, 0);
    const before = [x, y, mask].map((a) => [...a.data]);
    const results = [
      xp.add(x, y), xp.subtract(y, x), xp.multiply(x, 2), xp.divide(x, y), xp.pow(y, 2), xp.maximum(x, y), xp.minimum(x, y), xp.where(mask, x, y),
      ...(['negative', 'abs', 'sign', 'sqrt', 'square', 'exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tanh'] as const).map((op) => xp[op](x)),
      ...(['sum', 'mean', 'prod', 'max', 'min'] as const).map((op) => xp[op](x, { axis: 0 })),
      xp.reshape(x, [3, 2]), xp.reshape(x, [2, 3]), xp.broadcastTo(y, [2, 3]), xp.broadcastTo(x, [2, 3]), xp.expandDims(x, 0), xp.transpose(x), xp.transpose(x, [0, 1]),
      xp.matmul(x, y), xp.zerosLike(x), xp.onesLike(x), xp.sum(x, { axis: [] }),
    ];
    expect(results).toHaveLength(36);
    for (const result of results) {
      expect(result.dtype).toBe('float64');
      for (const input of [x, y, mask]) expect(result.data.buffer).not.toBe(input.data.buffer);
    }
    expect([x, y, mask].map((a) => [...a.data])).toEqual(before);
    expect(xp.asarray(x)).toBe(x);
  });

  it('follow IEEE where it matters', () => {
    expect(Object.is(xp.sum(f64([-0])).data[0], -0)).toBe(true);
    expect(toNumbers(xp.pow(f64([1, -1, NaN]), f64([NaN, Infinity, 0])))).toEqual([1, 1, 1]);
    expect(toNumbers(xp.mean(f64([])))).toEqual([NaN]);
    expect(toNumbers(xp.divide(f64([1, -1, 0]), 0))).toEqual([Infinity, -Infinity, NaN]);
  });
});

describe('the reference adapter', () => {
  it('is the f64 namespace, its config and an engine with no AD', () => {
    expect(referenceAdapter.name).toBe('f64');
    expect(referenceAdapter.xp).toBe(xp);
    expect(referenceAdapter.config).toBe(referenceConfig);
    expect(referenceConfig.xp).toBe(xp);
    expect(referenceConfig.engine).toBe('f64');
    expect(referenceAdapter.owns(f64(1))).toBe(true);
    expect(referenceAdapter.owns(1)).toBe(false);
    expect(referenceAdapter.isDifferentiating?.()).toBe(false);
    expect(referenceAdapter.invoke({ primal: () => 42 } as never)).toBe(42);
  });

  it('withReferenceAdapter installs it for the call and uninstalls it afterwards', () => {
    expect(installedAdapters()).not.toContain(referenceAdapter);
    const inside = withReferenceAdapter(() => {
      expect(installedAdapters()).toContain(referenceAdapter);
      return namespaceOf(f64([1, 2]), 3);
    });
    expect(inside).toBe(xp);
    expect(installedAdapters()).not.toContain(referenceAdapter);
    expect(() => namespaceOf(f64([1, 2]))).toThrow(/no-namespace/);
    expect(namespaceOf(1)).toBe(numberApi);
  });

  it('leaves an adapter installed by someone else, also in nested calls', () => {
    const uninstall = installAdapter(referenceAdapter);
    try {
      withReferenceAdapter(() => withReferenceAdapter(() => undefined));
      expect(installedAdapters()).toContain(referenceAdapter);
    } finally {
      uninstall();
    }
    withReferenceAdapter(() => {
      withReferenceAdapter(() => undefined);
      expect(installedAdapters()).toContain(referenceAdapter);
    });
    expect(installedAdapters()).not.toContain(referenceAdapter);
  });

  it('uninstalls when the call throws', () => {
    expect(() =>
      withReferenceAdapter(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(installedAdapters()).not.toContain(referenceAdapter);
  });

  it('uninstalls when a returned promise settles', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const done = withReferenceAdapter(async () => {
      await gate;
      return installedAdapters().includes(referenceAdapter);
    });
    expect(installedAdapters()).toContain(referenceAdapter);
    release();
    await expect(done).resolves.toBe(true);
    expect(installedAdapters()).not.toContain(referenceAdapter);
    await expect(withReferenceAdapter(() => Promise.reject(new Error('late')))).rejects.toThrow('late');
    expect(installedAdapters()).not.toContain(referenceAdapter);
  });

  it('runs rules with the f64 config and lets rule-aware functions take F64Arrays', () => {
    const square = defineRule((x: F64Array) => namespaceOf(x).multiply(x, x) as F64Array, {
      name: 'square',
      rrule: (cfg, _options, x) => [cfg.xp.multiply(x, x), (dy) => ({ args: [cfg.xp.multiply(2, cfg.xp.multiply(dy, x))] })],
    });
    const [y, pullback] = rrule(referenceConfig, square, f64([1, 2, 3]))!;
    expect(toNumbers(y as F64Array)).toEqual([1, 4, 9]);
    // core accepts an F64Array as a tangent only while an adapter owns it:
    ruleErrorOf(() => pullback(f64([1, 1, 1])), 'tangent-mismatch');
    const slots = withReferenceAdapter(() => pullback(f64([1, 1, 1])));
    expect(toNumbers(slots[1] as F64Array)).toEqual([2, 4, 6]);
    expect(toNumbers(withReferenceAdapter(() => square(f64([3]))))).toEqual([9]);
  });
});

/** A shape of 0–3 axes of length 0–3, and values that are small integers (so every sum is exact). */
const shapes = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 });
const arrayOf = (shape: readonly number[]) =>
  fc.array(fc.integer({ min: -9, max: 9 }), { minLength: shape.reduce((n, d) => n * d, 1), maxLength: shape.reduce((n, d) => n * d, 1) }).map((values) => f64(values, shape));
const arrays = shapes.chain(arrayOf);
const same = (x: F64Array, y: F64Array) => {
  expect(x.shape).toEqual(y.shape);
  expect(toNumbers(x)).toEqual(toNumbers(y));
};

describe('f64Api properties', () => {
  it('broadcasting commutes for add and multiply, and equals explicit broadcastTo', () => {
    // Two shapes that broadcast: a common shape with some axes set to 1 and leading axes dropped.
    const pairs = shapes.chain((shape) =>
      fc.tuple(
        ...[0, 1].map(() =>
          fc.tuple(fc.array(fc.boolean(), { minLength: shape.length, maxLength: shape.length }), fc.nat({ max: shape.length })).map(([ones, drop]) =>
            shape.map((d, k) => (ones[k] ? 1 : d)).slice(drop),
          ),
        ),
      ).chain(([s, t]) => fc.tuple(arrayOf(s!), arrayOf(t!), fc.constant(shape))),
    );
    fc.assert(
      fc.property(pairs, ([x, y]) => {
        for (const op of ['add', 'multiply'] as const) {
          const xy = xp[op](x, y);
          same(xy, xp[op](y, x));
          same(xy, xp[op](xp.broadcastTo(x, xy.shape), xp.broadcastTo(y, xy.shape)));
        }
      }),
    );
  });

  it('the sum over all axes is the sum of sums over each axis in turn', () => {
    fc.assert(
      fc.property(arrays, (x) => {
        let partial = x;
        while (partial.shape.length > 0) partial = xp.sum(partial, { axis: 0 });
        same(xp.sum(x), partial);
        same(xp.sum(x, { axis: x.shape.map((_, k) => -1 - k) }), partial);
      }),
    );
  });

  it('transposing with a permutation and then its inverse is the identity', () => {
    const withPermutation = arrays.chain((x) =>
      fc.tuple(fc.constant(x), fc.shuffledSubarray(x.shape.map((_, k) => k), { minLength: x.shape.length, maxLength: x.shape.length })),
    );
    fc.assert(
      fc.property(withPermutation, ([x, perm]) => {
        const inverse = perm.map((_, k) => perm.indexOf(k));
        const y = xp.transpose(x, perm);
        expect(y.shape).toEqual(perm.map((k) => x.shape[k]));
        same(xp.transpose(y, inverse), x);
        same(xp.transpose(xp.transpose(x)), x);
      }),
    );
  });

  it('reshape round-trips', () => {
    fc.assert(
      fc.property(arrays, (x) => {
        const flat = xp.reshape(x, [-1]);
        expect(flat.shape).toEqual([x.data.length]);
        same(xp.reshape(flat, x.shape), x);
        same(xp.reshape(xp.reshape(x, [...x.shape].reverse()), x.shape), x);
        same(xp.reshape(xp.expandDims(x, 0), x.shape), x);
      }),
    );
  });

  it('matmul transposes: (AB)ᵀ = BᵀAᵀ', () => {
    const matrices = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })).chain(([m, n, p]) => fc.tuple(arrayOf([m, n]), arrayOf([n, p])));
    fc.assert(
      fc.property(matrices, ([a, b]) => {
        same(xp.transpose(xp.matmul(a, b)), xp.matmul(xp.transpose(b), xp.transpose(a)));
      }),
    );
  });
});
