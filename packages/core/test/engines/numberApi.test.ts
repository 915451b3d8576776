import { describe, expect, it } from 'vitest';
import { numberApi as xp } from '../../src/index';

describe('numberApi', () => {
  it('computes elementwise functions in float64', () => {
    expect(xp.add(1, 2)).toBe(3);
    expect(xp.subtract(1, 2)).toBe(-1);
    expect(xp.multiply(3, 4)).toBe(12);
    expect(xp.divide(1, 4)).toBe(0.25);
    expect(xp.pow(2, 10)).toBe(1024);
    expect(xp.maximum(1, 2)).toBe(2);
    expect(xp.minimum(1, 2)).toBe(1);
    expect(xp.negative(2)).toBe(-2);
    expect(xp.abs(-2)).toBe(2);
    expect(xp.sign(-2)).toBe(-1);
    expect(xp.sqrt(9)).toBe(3);
    expect(xp.square(3)).toBe(9);
    expect(xp.exp(0)).toBe(1);
    expect(xp.expm1(1e-20)).toBe(1e-20);
    expect(xp.log(Math.E)).toBe(1);
    expect(xp.log1p(1e-20)).toBe(1e-20);
    expect(xp.sin(0)).toBe(0);
    expect(xp.cos(0)).toBe(1);
    expect(xp.tanh(0)).toBe(0);
  });

  it('reads a number back with toNumber, and refuses anything else', () => {
    expect(xp.toNumber!(2.5)).toBe(2.5);
    expect(() => xp.toNumber!({} as never)).toThrow(expect.objectContaining({ code: 'no-namespace' }));
  });

  it('compares and selects', () => {
    expect([xp.greater(2, 1), xp.greaterEqual(1, 1), xp.less(2, 1), xp.lessEqual(1, 1), xp.equal(1, 1), xp.notEqual(1, 1)]).toEqual([true, true, false, true, true, false]);
    expect(xp.where(xp.greater(2, 1), 10, 20)).toBe(10);
    expect(xp.where(false, 10, 20)).toBe(20);
  });

  it('treats numbers as 0-d arrays', () => {
    expect(xp.shape(3)).toEqual([]);
    expect(xp.asarray(3)).toBe(3);
    expect(xp.asarray([[3]])).toBe(3);
    expect(xp.zerosLike(3)).toBe(0);
    expect(xp.onesLike(3)).toBe(1);
    expect(xp.sum(3)).toBe(3);
    expect(xp.mean(3, { axis: [] })).toBe(3);
    expect(xp.prod(3, { keepdims: true })).toBe(3);
    expect(xp.max(3)).toBe(3);
    expect(xp.min(3)).toBe(3);
    expect(xp.reshape(3, [])).toBe(3);
    expect(xp.broadcastTo(3, [])).toBe(3);
    expect(xp.transpose(3)).toBe(3);
  });

  it('refuses what a scalar cannot do, and what is not a number', () => {
    expect(() => xp.sum(3, { axis: 0 })).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => xp.reshape(3, [1])).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => xp.broadcastTo(3, [2])).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => xp.expandDims(3, 0)).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => xp.matmul(3, 4)).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => xp.asarray([1, 2])).toThrow(expect.objectContaining({ code: 'no-namespace' }));
    expect(() => xp.add('1' as never, 2)).toThrow(expect.objectContaining({ code: 'no-namespace' }));
  });
});
