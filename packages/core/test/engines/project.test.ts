import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NoTangent, ZeroTangent, installAdapter, numberApi, projectTo, ruleConfig, thunk } from '../../src/index';
import type { ArrayApi, ReduceOptions } from '../../src/index';

/** An engine that only knows shapes, and records the operations asked of its namespace. */
class Shaped {
  constructor(
    readonly shape: readonly number[],
    readonly tag = '',
  ) {}
}
declare module '../../src/engines/arrayTypes' {
  interface ArrayTypes {
    shaped: Shaped;
  }
}
const calls: string[] = [];
const xp = {
  ...numberApi,
  name: 'shaped',
  shape: (x: Shaped | number) => (typeof x === 'number' ? [] : x.shape),
  sum: (x: Shaped, options?: ReduceOptions) => {
    const axes = [options?.axis].flat() as number[];
    calls.push(`sum [${axes.join(',')}] keepdims=${String(options?.keepdims)}`);
    return new Shaped(options?.keepdims === true ? x.shape.map((n, i) => (axes.includes(i) ? 1 : n)) : x.shape.filter((_, i) => !axes.includes(i)));
  },
  reshape: (x: Shaped, shape: readonly number[]) => {
    calls.push(`reshape [${x.shape.join(',')}] → [${shape.join(',')}]`);
    return new Shaped(shape);
  },
  broadcastTo: (x: Shaped | number, shape: readonly number[]) => {
    calls.push(`broadcastTo [${typeof x === 'number' ? '' : x.shape.join(',')}] → [${shape.join(',')}]`);
    return new Shaped(shape);
  },
  zerosLike: (x: Shaped) => new Shaped(x.shape, 'zeros'),
  asarray: (x: unknown) => new Shaped([], `asarray ${String(x)}`),
} as unknown as ArrayApi<Shaped>;

let uninstall = (): void => {};
beforeEach(() => {
  calls.length = 0;
  uninstall = installAdapter({
    name: 'shaped',
    xp,
    config: ruleConfig({ xp, engine: 'shaped', canReverse: true, canForward: true }),
    owns: (value): value is Shaped => value instanceof Shaped,
    invoke: (call) => call.primal(),
  });
});
afterEach(() => uninstall());

describe('projectTo', () => {
  it('returns a value of its primal’s shape as it is (thunks evaluated), and a number for a scalar array as an array', () => {
    const g = new Shaped([2, 3]);
    expect(projectTo(xp, g, new Shaped([2, 3]))).toBe(g);
    expect(projectTo(xp, thunk(() => g), new Shaped([2, 3]))).toBe(g);
    expect(projectTo(numberApi, 5, 2)).toBe(5);
    expect(projectTo(xp, 5, new Shaped([]))).toEqual(new Shaped([], 'asarray 5'));
    expect(calls).toEqual([]);
  });

  it('materialises zeros as the primal’s zeros; NoTangent for a cotangent is missing-tangent, for a tangent a zero', () => {
    expect(projectTo(xp, ZeroTangent, new Shaped([3]))).toEqual(new Shaped([3], 'zeros'));
    expect(projectTo(numberApi, ZeroTangent, 2)).toBe(0);
    expect(() => projectTo(xp, NoTangent, new Shaped([3]), { rule: 'r', slot: 'args[0]' })).toThrow(expect.objectContaining({ code: 'missing-tangent', rule: 'r', slot: 'args[0]' }));
    expect(projectTo(xp, NoTangent, new Shaped([3]), { as: 'tangent' })).toEqual(new Shaped([3], 'zeros'));
  });

  it('sums a larger cotangent over the leading axes and the axes of length one, then drops the leading ones', () => {
    expect(projectTo(xp, new Shaped([4, 2, 3]), new Shaped([3]))).toEqual(new Shaped([3]));
    expect(projectTo(xp, new Shaped([4, 2, 3]), new Shaped([2, 1]))).toEqual(new Shaped([2, 1]));
    expect(projectTo(xp, new Shaped([4, 3]), 2)).toEqual(new Shaped([]));
    // Only leading axes: one sum, no reshape; axes of length one kept, then reshaped.
    expect(calls).toEqual(['sum [0,1] keepdims=undefined', 'sum [0,2] keepdims=true', 'reshape [1,2,1] → [2,1]', 'sum [0,1] keepdims=undefined']);
  });

  it('never broadcasts a smaller cotangent up, and never sums a larger tangent down: wrong-shape, naming the rule and slot', () => {
    for (const [from, to] of [
      [[], [3]],
      [[1], [3]],
      [[2, 3], [4]],
      [[3], [2, 3]],
    ] as const) {
      expect(() => projectTo(xp, new Shaped(from), new Shaped(to), { rule: 'gaussian', slot: 'kwargs.pos' })).toThrow(
        expect.objectContaining({ code: 'wrong-shape', rule: 'gaussian', slot: 'kwargs.pos' }),
      );
    }
    expect(() => projectTo(xp, 6, new Shaped([3]))).toThrow(expect.objectContaining({ code: 'wrong-shape' }));
    expect(() => projectTo(xp, new Shaped([2, 3]), new Shaped([3]), { as: 'tangent', slot: 'output' })).toThrow(expect.objectContaining({ code: 'wrong-shape', slot: 'output' }));
  });

  it('broadcasts a smaller tangent up to its primal (constant along the missing axes)', () => {
    expect(projectTo(xp, new Shaped([]), new Shaped([2, 3]), { as: 'tangent' })).toEqual(new Shaped([2, 3]));
    expect(projectTo(xp, 2, new Shaped([3]), { as: 'tangent' })).toEqual(new Shaped([3]));
    expect(calls).toEqual(['broadcastTo [] → [2,3]', 'broadcastTo [] → [3]']);
  });

  it('hands every array it returns to the engine’s finish hook (dtype), and refuses what is neither a number nor an array', () => {
    const finish = (g: Shaped) => new Shaped(g.shape, `finished ${g.tag}`);
    expect(projectTo(xp, new Shaped([3]), new Shaped([3]), { finish })).toEqual(new Shaped([3], 'finished '));
    expect(projectTo(xp, ZeroTangent, new Shaped([3]), { finish })).toEqual(new Shaped([3], 'finished zeros'));
    expect(() => projectTo(xp, 'x', new Shaped([3]), { rule: 'r', slot: 'kwargs.c' })).toThrow(expect.objectContaining({ code: 'tangent-mismatch', slot: 'kwargs.c' }));
  });
});
