import { numpy as np } from '@jax-js/jax';
import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';
import type { ArrayApi, ReduceOptions } from '@chainrules/core';
import { releasable, track } from './scope';
import { isArrayOrTracer, isTracer } from './internals';

declare module '@chainrules/core' {
  interface ArrayTypes {
    /** A jax-js array (or a tracer standing for one). */
    jax: JaxArray;
  }
}

/**
 * True for a jax-js `Array` or any jax-js tracer (JVP, jit, vmap): the values the adapter owns.
 *
 * @example
 * ```ts
 * isJaxValue(numpy.array(1)); // true
 * isJaxValue(1);              // false
 * ```
 */
export function isJaxValue(value: unknown): value is JaxArray {
  return isArrayOrTracer(value);
}

type In = JaxArray | number;

/** A borrowed operand: arrays get one more reference, which the jax-js operation consumes. */
const b = (x: In | boolean): In | boolean => (isJaxValue(x) ? x.ref : x);
const out = (x: JaxArray): JaxArray => track(x);
const axisOf = (options?: ReduceOptions): number | number[] | null => {
  const axis = options?.axis;
  return axis === undefined ? null : typeof axis === 'number' ? axis : [...axis];
};
const reduceOpts = (options?: ReduceOptions): { keepdims: boolean } => ({ keepdims: options?.keepdims === true });
const unary = (op: (x: In) => JaxArray) => (x: In): JaxArray => out(op(b(x) as In));
const binary = (op: (x: In, y: In) => JaxArray) => (x: In, y: In): JaxArray => out(op(b(x) as In, b(y) as In));
const reduce = (op: (x: In, axis: number | number[] | null, opts: { keepdims: boolean }) => JaxArray) => (x: In, options?: ReduceOptions): JaxArray =>
  out(op(b(x) as In, axisOf(options), reduceOpts(options)));
const asArray = (x: In): JaxArray => (isJaxValue(x) ? x.ref : np.array(x));

/**
 * The `ArrayApi` of jax-js, over `numpy` operations. It hides jax-js's reference counting
 * from rule authors: operations never consume their operands (they pass `x.ref` to jax-js),
 * and inside a rule run by the adapter every array the rule makes and does not return is
 * disposed when the rule returns. Outside a rule, the caller owns (and disposes) the results.
 * `scope(body)` is a nested scope of the same kind, whose result `release()` disposes early.
 *
 * @example
 * ```ts
 * const x = numpy.array([1, 2, 3]);
 * const y = jaxApi.multiply(x, 2); // x stays alive
 * console.log(y.js());             // [2, 4, 6]
 * x.dispose();
 * ```
 */
export const jaxApi: ArrayApi<JaxArray, JaxArray> = {
  name: 'jax',
  asarray: (value) => out(isJaxValue(value) ? value.ref : np.array(value as number | number[])),
  zerosLike: (x) => out(np.zerosLike(asArray(x))),
  onesLike: (x) => out(np.onesLike(asArray(x))),
  shape: (x) => (isJaxValue(x) ? x.shape : []),
  toNumber: (x) => {
    if (!isJaxValue(x)) return x;
    const a: JaxArray = x;
    if ((isTracer as (v: unknown) => boolean)(a)) {
      throw new RuleError('unsupported', {
        message: 'jaxApi.toNumber cannot read a traced value: under grad, jit or vmap its value is not known while jax-js traces.',
        fix: 'Read values only outside the transformation, or write the computation without a data-dependent loop.',
      });
    }
    if (a.size !== 1) throw new RuleError('unsupported', { message: `jaxApi.toNumber reads a one-element array, got shape [${a.shape.join(', ')}].`, fix: 'Reduce the array first (jaxApi.max, jaxApi.sum).' });
    return a.ref.item();
  },
  scope: releasable,

  add: binary(np.add),
  subtract: binary(np.subtract),
  multiply: binary(np.multiply),
  divide: binary(np.divide),
  pow: binary(np.pow),
  maximum: binary(np.maximum),
  minimum: binary(np.minimum),

  greater: binary(np.greater),
  greaterEqual: binary(np.greaterEqual),
  less: binary(np.less),
  lessEqual: binary(np.lessEqual),
  equal: binary(np.equal),
  notEqual: binary(np.notEqual),
  where: (condition, x, y) => out(np.where(b(condition) as In, b(x) as In, b(y) as In)),

  negative: unary(np.negative),
  abs: unary(np.abs),
  sign: unary(np.sign),
  sqrt: unary(np.sqrt),
  square: unary(np.square),
  exp: unary(np.exp),
  expm1: unary(np.expm1),
  log: unary(np.log),
  log1p: unary(np.log1p),
  sin: unary(np.sin),
  cos: unary(np.cos),
  tanh: unary(np.tanh),

  sum: reduce(np.sum),
  mean: reduce(np.mean),
  prod: reduce(np.prod),
  max: reduce(np.max),
  min: reduce(np.min),

  reshape: (x, shape) => out(np.reshape(b(x) as In, [...shape])),
  broadcastTo: (x, shape) => out(np.broadcastTo(b(x) as In, [...shape])),
  expandDims: (x, axis) => out(np.expandDims(b(x) as In, axis)),
  transpose: (x, axes) => out(np.transpose(b(x) as In, axes === undefined ? undefined : [...axes])),
  matmul,
};

/**
 * `matmul` with the batch axes broadcast explicitly first: jax-js 0.1.25 pairs the batches
 * wrongly when only one operand has batch axes (a [2, 2] matrix times a [2, 2, 2] stack).
 */
function matmul(x: In, y: In): JaxArray {
  const xs = isJaxValue(x) ? x.shape : [];
  const ys = isJaxValue(y) ? y.shape : [];
  if (xs.length >= 2 && ys.length >= 2 && (xs.length > 2 || ys.length > 2)) {
    const batch = np.broadcastShapes(xs.slice(0, -2), ys.slice(0, -2));
    const lift = (v: In, shape: readonly number[]): In => {
      const full = [...batch, ...shape.slice(-2)];
      return full.length === shape.length && full.every((n, i) => n === shape[i]) ? (b(v) as In) : np.broadcastTo(b(v) as In, full);
    };
    return out(np.matmul(lift(x, xs), lift(y, ys)));
  }
  return out(np.matmul(b(x) as In, b(y) as In));
}
