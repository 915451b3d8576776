import { describe, expect, it } from 'vitest';
import { numberApi, sumToShape } from '../src/index';
import type { ArrayApi, ReduceOptions } from '../src/index';

/** A namespace that only knows shapes, and records the sums and reshapes asked of it. */
interface Shaped {
  readonly shape: readonly number[];
}
function recordingApi() {
  const calls: string[] = [];
  const xp = {
    shape: (x: Shaped | number) => (typeof x === 'number' ? [] : x.shape),
    sum: (x: Shaped, options?: ReduceOptions) => {
      const axes = [options?.axis].flat() as number[];
      calls.push(`sum [${axes.join(',')}] keepdims=${String(options?.keepdims)}`);
      return { shape: x.shape.map((n, i) => (axes.includes(i) ? 1 : n)) };
    },
    reshape: (x: Shaped, shape: readonly number[]) => {
      calls.push(`reshape [${x.shape.join(',')}] → [${shape.join(',')}]`);
      return { shape };
    },
  } as unknown as ArrayApi<Shaped>;
  return { xp, calls };
}

describe('sumToShape', () => {
  it('returns g itself when the shapes agree, numbers included', () => {
    const { xp, calls } = recordingApi();
    const g = { shape: [2, 3] };
    expect(sumToShape(xp, g, [2, 3])).toBe(g);
    expect(sumToShape(numberApi, 5, [])).toBe(5);
    expect(calls).toEqual([]);
  });

  it('sums over the leading axes and the axes of length one, then drops the leading ones', () => {
    const { xp, calls } = recordingApi();
    expect(sumToShape(xp, { shape: [4, 2, 3] }, [3])).toEqual({ shape: [3] });
    expect(sumToShape(xp, { shape: [4, 2, 3] }, [2, 1])).toEqual({ shape: [2, 1] });
    expect(sumToShape(xp, { shape: [4, 3] }, [])).toEqual({ shape: [] });
    expect(calls).toEqual([
      'sum [0,1] keepdims=true',
      'reshape [1,1,3] → [3]',
      'sum [0,2] keepdims=true',
      'reshape [1,2,1] → [2,1]',
      'sum [0,1] keepdims=true',
      'reshape [1,1] → []',
    ]);
  });

  it('is a wrong-shape RuleError naming the rule and slot when g does not broadcast from the shape', () => {
    const { xp } = recordingApi();
    for (const [from, to] of [
      [[2, 3], [4]],
      [[3], [2, 3]],
      [[2, 3], [3, 3]],
    ] as const) {
      expect(() => sumToShape(xp, { shape: from }, to, { rule: 'gaussian', slot: 'kwargs.pos' })).toThrow(
        expect.objectContaining({ code: 'wrong-shape', rule: 'gaussian', slot: 'kwargs.pos' }),
      );
    }
  });
});
