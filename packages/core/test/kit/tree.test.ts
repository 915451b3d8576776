import { describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, isTangent, notImplemented, thunk, unthunk } from '../../src/index';
import { argumentInputs, isContainer, leafTangents, treeLeaves, treeTangent, treeWith } from '../../src/adapter';

describe('trees: outputs and record arguments as leaves', () => {
  it('lists the leaves of records and lists, in key order and by index, with their paths', () => {
    expect(treeLeaves([1, { f: 2, g: [3, 'a'] }])).toEqual([
      { value: 1, path: [0] },
      { value: 2, path: [1, 'f'] },
      { value: 3, path: [1, 'g', 0] },
      { value: 'a', path: [1, 'g', 1] },
    ]);
    expect(treeLeaves(5)).toEqual([{ value: 5, path: [] }]);
    expect(treeLeaves({})).toEqual([]);
    // Class instances, Maps and null-prototype records: leaves, containers.
    class Point {
      x = 1;
    }
    const point = new Point();
    expect(treeLeaves({ p: point, m: new Map() }).map((leaf) => leaf.value)).toEqual([point, new Map()]);
    expect(isContainer(Object.create(null))).toBe(true);
    expect(isContainer(point)).toBe(false);
  });

  it('refuses a tree that holds itself, with the rule and the slot, but not a value shared twice', () => {
    const loop: Record<string, unknown> = { a: 1 };
    loop.self = { back: loop };
    expect(() => treeLeaves(loop, { rule: 'r', slot: 'args[0]' })).toThrow(expect.objectContaining({ code: 'unsupported', rule: 'r', slot: 'args[0].self.back' }));
    const shared = { w: 1 };
    expect(treeLeaves({ a: shared, b: shared }).map((leaf) => leaf.path)).toEqual([['a', 'w'], ['b', 'w']]);
  });

  it('rebuilds a tree with new leaves, copying containers and never reaching a prototype', () => {
    const tree = { a: [1, 2], b: { c: 3 } };
    const rebuilt = treeWith(tree, [10, 20, 30]);
    expect(rebuilt).toEqual({ a: [10, 20], b: { c: 30 } });
    expect(tree).toEqual({ a: [1, 2], b: { c: 3 } });
    const hostile = JSON.parse('{"__proto__": {"polluted": 1}, "w": 2}') as Record<string, unknown>;
    const copy = treeWith(hostile, [{ polluted: 1 }, 5]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['__proto__', 'w']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('builds the Tangent of a tree from one tangent per leaf (absent ones zero)', () => {
    const t = treeTangent([1, { f: 2 }], [3, undefined]) as Tangent<unknown[]>;
    expect(isTangent(t)).toBe(true);
    expect(t.get(0)).toBe(3);
    const inner = t.get(1) as Tangent<{ f: number }>;
    expect(isTangent(inner) && inner.get('f')).toBe(ZeroTangent);
    expect(treeTangent(5, [7])).toBe(7);
    expect(treeTangent(5, [])).toBe(ZeroTangent);
  });

  it('reads one tangent per leaf from the Tangent of a tree: zeros, thunks, fields', () => {
    const tree = [1, { f: 2, g: 3 }];
    expect(leafTangents(tree, new Tangent([4, new Tangent({ f: 5, g: 6 })] as never))).toEqual([4, 5, 6]);
    expect(leafTangents(tree, ZeroTangent)).toEqual([ZeroTangent, ZeroTangent, ZeroTangent]);
    expect(leafTangents(tree, thunk(() => new Tangent([4] as never)))).toEqual([4, ZeroTangent, ZeroTangent]);
    expect(leafTangents(tree, new Tangent([4, ZeroTangent] as never))).toEqual([4, ZeroTangent, ZeroTangent]);
    const unimplemented = notImplemented('later');
    expect(leafTangents(tree, new Tangent([4, unimplemented] as never))).toEqual([4, unimplemented, unimplemented]);
    expect(leafTangents(7, NoTangent)).toEqual([NoTangent]);
  });

  it('says which leaf a pullback left out, only when it is read; refuses a tangent that is not a Tangent', () => {
    const tree = { w: 1, b: { s: 2 } };
    const [w, s] = leafTangents(tree, new Tangent({ w: 3 }), { rule: 'r', slot: 'args[0]', absent: 'missing' });
    expect(w).toBe(3);
    expect(() => unthunk(s)).toThrow(expect.objectContaining({ code: 'missing-tangent', rule: 'r', slot: 'args[0].b' }));
    expect(leafTangents(tree, new Tangent({ w: 3 }))).toEqual([3, ZeroTangent]); // a Tangent's own reading
    expect(() => leafTangents(tree, [3, 4], { rule: 'r', slot: 'args[0]' })).toThrow(expect.objectContaining({ code: 'tangent-mismatch', rule: 'r', slot: 'args[0]' }));
  });
});

describe('trees too deep to split', () => {
  it('are unsearchable, with the rule and the slot, as findValue reports them', () => {
    const deep = (levels: number): unknown => (levels === 0 ? 1 : { inner: deep(levels - 1) });
    expect(treeLeaves(deep(63))).toHaveLength(1);
    expect(() => treeLeaves(deep(70), { rule: 'r', slot: 'args[1]' })).toThrow(expect.objectContaining({ code: 'unsearchable', rule: 'r', slot: 'args[1]' }));
  });
});

describe('argumentInputs', () => {
  const isNumber = (v: unknown): v is number => typeof v === 'number';

  it('lists the accepted leaves of every argument, rebuilds the arguments from new values and puts per-input tangents back', () => {
    const args = [2, { w: 3, name: 'x' }, [4, true]];
    const a = argumentInputs(args, isNumber, 'rruleViaAd');
    expect(a.inputs).toEqual([
      { arg: 0, leaf: 0, value: 2 },
      { arg: 1, leaf: 0, value: 3 },
      { arg: 2, leaf: 0, value: 4 },
    ]);
    expect(a.withValues([20, 30, 40])).toEqual([20, { w: 30, name: 'x' }, [40, true]]);
    expect(args).toEqual([2, { w: 3, name: 'x' }, [4, true]]); // never mutated
    const [t0, t1, t2] = a.tangents([1, 5, 7]);
    expect(t0).toBe(1);
    expect(isTangent(t1) && (t1 as Tangent<{ w: number; name: string }>).get('w')).toBe(5);
    expect((t1 as Tangent<Record<string, unknown>>).backing['name']).toBe(NoTangent);
    expect((t2 as Tangent<unknown[]>).backing).toEqual([7, NoTangent]);
  });

  it('names the argument of a tree it cannot split', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => argumentInputs([1, cyclic], isNumber, 'rruleViaAd')).toThrow(expect.objectContaining({ code: 'unsupported', rule: 'rruleViaAd', slot: 'args[1].self' }));
  });
});
