import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { NoTangent, Tangent, ZeroTangent, isNoTangent, isTangent, isThunk, isZero, thunk, unthunk } from '../../src/index';
import { isPlainObject } from '../../src/internal/records';

describe('zeros', () => {
  it('are frozen singletons recognised by isZero', () => {
    expect(Object.isFrozen(NoTangent)).toBe(true);
    expect(Object.isFrozen(ZeroTangent)).toBe(true);
    expect(isZero(NoTangent) && isZero(ZeroTangent)).toBe(true);
    expect(isNoTangent(NoTangent)).toBe(true);
    expect(isNoTangent(ZeroTangent)).toBe(false);
    for (const value of [0, null, undefined, {}, { kind: 'ZeroTangent' }, 'ZeroTangent']) expect(isZero(value)).toBe(false);
  });

  it('are never taken for a plain record (an options object, a record argument)', () => {
    for (const zero of [NoTangent, ZeroTangent]) {
      expect(Object.getPrototypeOf(zero)).not.toBe(Object.prototype);
      expect(isPlainObject(zero)).toBe(false);
    }
  });

  it('print as their names', () => {
    expect(String(NoTangent)).toBe('NoTangent');
    expect(inspect([NoTangent, ZeroTangent])).toBe('[ NoTangent, ZeroTangent ]');
    expect(JSON.stringify({ t: ZeroTangent })).toBe('{"t":"ZeroTangent"}');
  });
});

describe('Tangent', () => {
  it('reads absent fields as ZeroTangent and keeps explicit ones', () => {
    const t = new Tangent<{ c: number; d: number; mode: string }>({ c: 6, mode: NoTangent });
    expect(t.get('c')).toBe(6);
    expect(t.get('d')).toBe(ZeroTangent);
    expect(t.get('mode')).toBe(NoTangent);
    expect(t.has('d')).toBe(false);
    expect(t.keys()).toEqual(['c', 'mode']);
    expect(isTangent(t)).toBe(true);
    expect(isTangent({ backing: {} })).toBe(false);
  });

  it('copies its backing', () => {
    const fields: { c?: number; d?: number } = { c: 1 };
    const t = new Tangent(fields);
    fields.c = 2;
    fields.d = 3;
    expect(t.get('c')).toBe(1);
    expect(t.has('d')).toBe(false);
  });

  it('backs tuples with arrays', () => {
    const t = new Tangent<[number, string]>([1, NoTangent]);
    expect(t.get(0)).toBe(1);
    expect(Array.isArray(t.backing)).toBe(true);
  });

  it('refuses a non-object backing', () => {
    expect(() => new Tangent(3 as never)).toThrow(expect.objectContaining({ code: 'tangent-mismatch' }));
  });

  it('prints its fields', () => {
    expect(inspect(new Tangent({ c: 6 }))).toBe('Tangent { c: 6 }');
  });
});

describe('thunks', () => {
  it('evaluate once, on demand', () => {
    let runs = 0;
    const t = thunk(() => (runs++, 3));
    expect(isThunk(t)).toBe(true);
    expect(runs).toBe(0);
    expect(unthunk(t)).toBe(3);
    expect(unthunk(t)).toBe(3);
    expect(runs).toBe(1);
  });

  it('unthunk sees through nested thunks and leaves other values alone', () => {
    expect(unthunk(thunk(() => thunk(() => 4)))).toBe(4);
    const f = () => 5;
    expect(unthunk(f)).toBe(f); // a bare function is a primal, never a thunk
    expect(unthunk(ZeroTangent)).toBe(ZeroTangent);
  });
});
