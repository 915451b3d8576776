import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, add, isTangent, isZero, scale, thunk, unthunk, zeroLike } from '../../src/index';

/**
 * Tangents of one primal share its structure, so the laws are checked on tangents drawn from
 * a common shape: a number leaf, or a record { a, b } of shapes. A tangent of a leaf is an
 * integer or ZeroTangent; of a record, ZeroTangent or a Tangent of some of its fields.
 */
type Shape = 'leaf' | { readonly a: Shape; readonly b: Shape };
const shape: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant('leaf' as const), fc.record({ a: tie('shape'), b: tie('shape') })),
})).shape;
function tangentOf(s: Shape): fc.Arbitrary<unknown> {
  if (s === 'leaf') return fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constant(ZeroTangent));
  return fc.oneof(
    fc.constant(ZeroTangent),
    fc.record({ a: tangentOf(s.a), b: tangentOf(s.b) }, { requiredKeys: [] }).map((fields) => new Tangent(fields as Record<string, unknown>)),
  );
}
const one = shape.chain(tangentOf);
const two = shape.chain((s) => fc.tuple(tangentOf(s), tangentOf(s)));
const three = shape.chain((s) => fc.tuple(tangentOf(s), tangentOf(s), tangentOf(s)));
const factor = fc.integer({ min: -9, max: 9 });

/** Structural equality with zeros and absent fields identified (ChainRules' `≈` on tangents). */
function normal(t: unknown): unknown {
  const x = unthunk(t);
  if (isZero(x) || x === 0) return 0; // -0 too
  if (isTangent(x)) {
    const out: Record<string, unknown> = {};
    for (const key of x.keys()) {
      const value = normal(x.backing[key]);
      if (value !== 0) out[key] = value;
    }
    return Object.keys(out).length === 0 ? 0 : out;
  }
  return x;
}

describe('tangent algebra laws', () => {
  it('zeros are identities of add', () => {
    fc.assert(
      fc.property(fc.oneof(one, fc.constant(NoTangent)), (t) => {
        expect(add(t, ZeroTangent)).toBe(t);
        expect(add(ZeroTangent, t)).toBe(t);
        if (!isZero(t)) expect(add(NoTangent, t)).toBe(t);
      }),
    );
  });

  it('add commutes on structural tangents', () => {
    fc.assert(fc.property(two, ([x, y]) => {
      expect(normal(add(x, y))).toEqual(normal(add(y, x)));
    }));
  });

  it('add associates on structural tangents', () => {
    fc.assert(fc.property(three, ([x, y, z]) => {
      expect(normal(add(add(x, y), z))).toEqual(normal(add(x, add(y, z))));
    }));
  });

  it('thunks are transparent to add, scale and zeroLike', () => {
    fc.assert(
      fc.property(two, factor, ([x, y], k) => {
        expect(normal(add(thunk(() => x), y))).toEqual(normal(add(x, y)));
        expect(normal(add(x, thunk(() => thunk(() => y))))).toEqual(normal(add(x, y)));
        expect(normal(scale(k, thunk(() => x)))).toEqual(normal(scale(k, x)));
        expect(normal(zeroLike(thunk(() => x)))).toEqual(normal(zeroLike(x)));
      }),
    );
  });

  it('scale distributes over add', () => {
    fc.assert(fc.property(two, factor, ([x, y], k) => {
      expect(normal(scale(k, add(x, y)))).toEqual(normal(add(scale(k, x), scale(k, y))));
    }));
  });

  it('NoTangent never turns into a number', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer()), (k) => {
        expect(scale(k, NoTangent)).toBe(NoTangent);
        expect(add(NoTangent, NoTangent)).toBe(NoTangent);
        expect(add(NoTangent, ZeroTangent)).toBe(NoTangent);
        expect(add(ZeroTangent, NoTangent)).toBe(NoTangent);
        expect(zeroLike(NoTangent)).toBe(NoTangent);
        expect(unthunk(thunk(() => NoTangent))).toBe(NoTangent);
        expect((scale(k, new Tangent({ mode: NoTangent })) as Tangent).get('mode')).toBe(NoTangent);
      }),
    );
  });

  it('zeroLike of a tangent is an identity of add for it', () => {
    fc.assert(fc.property(one, (t) => {
      expect(normal(add(t, zeroLike(t)))).toEqual(normal(t));
    }));
  });
});

describe('tangent algebra cases', () => {
  it('adds records field by field, absent fields as zero', () => {
    const sum = add(new Tangent({ c: 1 }), new Tangent({ c: 2, d: 3 })) as Tangent;
    expect(sum.backing).toEqual({ c: 3, d: 3 });
    const tuple = add(new Tangent([1, 2]), new Tangent([10])) as Tangent;
    expect(tuple.backing).toEqual([11, 2]);
  });

  it('refuses to mix kinds', () => {
    expect(() => add(new Tangent({ c: 1 }), 2)).toThrow(expect.objectContaining({ code: 'tangent-mismatch' }));
    expect(() => add(new Tangent([1]), new Tangent({ c: 1 }))).toThrow(expect.objectContaining({ code: 'tangent-mismatch' }));
    expect(() => add('a', 1)).toThrow(expect.objectContaining({ code: 'tangent-mismatch' }));
    expect(() => scale(2, 'a')).toThrow(expect.objectContaining({ code: 'tangent-mismatch' }));
  });

  it('materialises zeros of primals', () => {
    expect(zeroLike(3)).toBe(0);
    expect(zeroLike('s')).toBe(NoTangent);
    expect(zeroLike(true)).toBe(NoTangent);
    expect((zeroLike({ c: 3, mode: 'prod', prior: { mu: 1 } }) as Tangent).backing).toEqual({
      c: 0,
      mode: NoTangent,
      prior: new Tangent({ mu: 0 }),
    });
    expect((zeroLike([1, 'a']) as Tangent).backing).toEqual([0, NoTangent]);
    expect(() => zeroLike(new Float64Array(1))).toThrow(expect.objectContaining({ code: 'no-namespace' }));
  });

  it('scales by a zero to ZeroTangent', () => {
    expect(scale(ZeroTangent, 5)).toBe(ZeroTangent);
    expect(scale(3, 5)).toBe(15);
  });
});
