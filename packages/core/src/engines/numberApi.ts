import type { ArrayApi, ReduceOptions } from './arrayApi';
import { RuleError } from '../errors';
import { describe } from '../tangents/describe';

function scalar(x: unknown, op: string): number {
  if (typeof x === 'number') return x;
  if (typeof x === 'boolean') return x ? 1 : 0;
  throw new RuleError('no-namespace', {
    message: `numberApi.${op} takes plain numbers, got ${describe(x)}.`,
    fix: 'Get the namespace with namespaceOf(...values) so that engine arrays reach their own adapter.',
  });
}

function noAxes(options: ReduceOptions | undefined, op: string): void {
  const axis = options?.axis;
  if (axis === undefined || (Array.isArray(axis) && axis.length === 0)) return;
  throw new RuleError('unsupported', {
    message: `numberApi.${op} got axis ${JSON.stringify(axis)}, but a plain number has no axes.`,
    fix: 'Reduce over all axes (omit axis) or pass engine arrays.',
  });
}

function scalarShape(shape: readonly number[], op: string): void {
  if (shape.length === 0) return;
  throw new RuleError('unsupported', {
    message: `numberApi.${op} cannot make shape [${shape.join(', ')}] from a plain number (shape []).`,
    fix: 'Pass engine arrays when a rule needs non-scalar shapes.',
  });
}

/**
 * The {@link ArrayApi} of plain JavaScript numbers: 0-d arrays, float64 arithmetic. Shape
 * operations accept only shapes of size one; `matmul` is unsupported (a scalar has no
 * matrix axes).
 *
 * @example
 * ```ts
 * numberApi.multiply(2, 3);              // 6
 * numberApi.where(true, 1, 2);           // 1
 * ```
 */
export const numberApi: ArrayApi<number, boolean> = Object.freeze({
  name: 'number',
  asarray: (value: number | readonly unknown[]) => {
    if (typeof value === 'number') return value;
    let current: unknown = value;
    while (Array.isArray(current) && current.length === 1) current = current[0];
    return scalar(current, 'asarray');
  },
  zerosLike: (x: number) => (scalar(x, 'zerosLike'), 0),
  onesLike: (x: number) => (scalar(x, 'onesLike'), 1),
  shape: (x: number) => (scalar(x, 'shape'), []),
  toNumber: (x: number) => scalar(x, 'toNumber'),

  add: (x: number, y: number) => scalar(x, 'add') + scalar(y, 'add'),
  subtract: (x: number, y: number) => scalar(x, 'subtract') - scalar(y, 'subtract'),
  multiply: (x: number, y: number) => scalar(x, 'multiply') * scalar(y, 'multiply'),
  divide: (x: number, y: number) => scalar(x, 'divide') / scalar(y, 'divide'),
  pow: (x: number, y: number) => scalar(x, 'pow') ** scalar(y, 'pow'),
  maximum: (x: number, y: number) => Math.max(scalar(x, 'maximum'), scalar(y, 'maximum')),
  minimum: (x: number, y: number) => Math.min(scalar(x, 'minimum'), scalar(y, 'minimum')),

  greater: (x: number, y: number) => scalar(x, 'greater') > scalar(y, 'greater'),
  greaterEqual: (x: number, y: number) => scalar(x, 'greaterEqual') >= scalar(y, 'greaterEqual'),
  less: (x: number, y: number) => scalar(x, 'less') < scalar(y, 'less'),
  lessEqual: (x: number, y: number) => scalar(x, 'lessEqual') <= scalar(y, 'lessEqual'),
  equal: (x: number, y: number) => scalar(x, 'equal') === scalar(y, 'equal'),
  notEqual: (x: number, y: number) => scalar(x, 'notEqual') !== scalar(y, 'notEqual'),
  where: (condition: boolean, x: number, y: number) =>
    scalar(condition, 'where') !== 0 ? scalar(x, 'where') : scalar(y, 'where'),

  negative: (x: number) => -scalar(x, 'negative'),
  abs: (x: number) => Math.abs(scalar(x, 'abs')),
  sign: (x: number) => Math.sign(scalar(x, 'sign')),
  sqrt: (x: number) => Math.sqrt(scalar(x, 'sqrt')),
  square: (x: number) => scalar(x, 'square') ** 2,
  exp: (x: number) => Math.exp(scalar(x, 'exp')),
  expm1: (x: number) => Math.expm1(scalar(x, 'expm1')),
  log: (x: number) => Math.log(scalar(x, 'log')),
  log1p: (x: number) => Math.log1p(scalar(x, 'log1p')),
  sin: (x: number) => Math.sin(scalar(x, 'sin')),
  cos: (x: number) => Math.cos(scalar(x, 'cos')),
  tanh: (x: number) => Math.tanh(scalar(x, 'tanh')),

  sum: (x: number, options?: ReduceOptions) => (noAxes(options, 'sum'), scalar(x, 'sum')),
  mean: (x: number, options?: ReduceOptions) => (noAxes(options, 'mean'), scalar(x, 'mean')),
  prod: (x: number, options?: ReduceOptions) => (noAxes(options, 'prod'), scalar(x, 'prod')),
  max: (x: number, options?: ReduceOptions) => (noAxes(options, 'max'), scalar(x, 'max')),
  min: (x: number, options?: ReduceOptions) => (noAxes(options, 'min'), scalar(x, 'min')),

  reshape: (x: number, shape: readonly number[]) => (scalarShape(shape, 'reshape'), scalar(x, 'reshape')),
  broadcastTo: (x: number, shape: readonly number[]) => (scalarShape(shape, 'broadcastTo'), scalar(x, 'broadcastTo')),
  expandDims: (x: number) => {
    throw new RuleError('unsupported', {
      message: `numberApi.expandDims cannot give ${describe(x)} an axis: a plain number stays 0-d.`,
      fix: 'Pass engine arrays when a rule needs non-scalar shapes.',
    });
  },
  transpose: (x: number, axes?: readonly number[]) => {
    if (axes !== undefined && axes.length > 0) scalarShape([2], 'transpose');
    return scalar(x, 'transpose');
  },
  matmul: () => {
    throw new RuleError('unsupported', {
      message: 'numberApi.matmul needs arrays of at least one dimension; plain numbers are 0-d.',
      fix: 'Use multiply for scalars, or pass engine arrays.',
    });
  },
});
