import { ruleConfig } from '@chainrules/core';
import type { Adapter, ArrayApi, RuleConfig } from '@chainrules/core';
import { f64Api } from '@chainrules/testing';
import type { F64Array } from '@chainrules/testing';

/*
 * A stand-in for a tracing engine (jax-js) in the tests: its arrays are opaque — a rule can
 * reach their values only through `xp` — and each one carries a flag, `linear`, set on the
 * tangents (or the cotangent) fed to a rule and on everything computed from them. An operation
 * that is not linear in a flagged operand (a product of two, a division by one, exp, a
 * comparison, the condition of a where, max, …) throws: jax-js transposes an frule's tangent
 * computation, which must therefore be linear in the input tangents, with no branch on them.
 */
export class Opaque {
  readonly #value: F64Array;
  readonly linear: boolean;
  constructor(value: F64Array, linear = false) {
    this.#value = value;
    this.linear = linear;
  }
  /** For the test only; a rule never calls this. */
  static unwrap(x: Opaque): F64Array {
    return x.#value;
  }
  [Symbol.toPrimitive](): never {
    throw new Error('a rule read an opaque array as a JS value');
  }
}

type Operand = Opaque | number | boolean;
const raw = (x: Operand): F64Array | number => (x instanceof Opaque ? Opaque.unwrap(x) : typeof x === 'boolean' ? Number(x) : x);
const flagged = (x: unknown) => x instanceof Opaque && x.linear;
const wrap = (v: F64Array | number, linear: boolean) => new Opaque(typeof v === 'number' ? (f64Api.asarray(v) as F64Array) : v, linear);

function nonlinear(op: string, ...operands: Operand[]): void {
  if (operands.some(flagged)) throw new Error(`linearEngine: ${op} is not linear, but an operand depends on a tangent`);
}

const unaryNonlinear = (op: keyof ArrayApi) => (x: Operand) => {
  nonlinear(op, x);
  return wrap((f64Api as any)[op](raw(x)), false);
};
const binaryNonlinear = (op: keyof ArrayApi) => (x: Operand, y: Operand) => {
  nonlinear(op, x, y);
  return wrap((f64Api as any)[op](raw(x), raw(y)), false);
};
const reduceNonlinear = (op: keyof ArrayApi) => (x: Operand, options?: object) => {
  nonlinear(op, x);
  return wrap((f64Api as any)[op](raw(x), options), false);
};
const passLinear = (op: keyof ArrayApi) => (x: Operand, arg?: unknown) => wrap((f64Api as any)[op](raw(x), arg), flagged(x));

export const linearApi: ArrayApi<Opaque, Opaque> = Object.freeze({
  name: 'linear-check',
  asarray: (v: unknown) => (v instanceof Opaque ? v : wrap(f64Api.asarray(v as never) as F64Array, false)),
  zerosLike: (x: Operand) => wrap(f64Api.zerosLike(raw(x)) as F64Array, false),
  onesLike: (x: Operand) => wrap(f64Api.onesLike(raw(x)) as F64Array, false),
  shape: (x: Operand) => f64Api.shape(raw(x)),

  add: (x: Operand, y: Operand) => wrap(f64Api.add(raw(x), raw(y)), flagged(x) || flagged(y)),
  subtract: (x: Operand, y: Operand) => wrap(f64Api.subtract(raw(x), raw(y)), flagged(x) || flagged(y)),
  multiply: (x: Operand, y: Operand) => {
    if (flagged(x) && flagged(y)) throw new Error('linearEngine: multiply of two values that depend on tangents');
    return wrap(f64Api.multiply(raw(x), raw(y)), flagged(x) || flagged(y));
  },
  divide: (x: Operand, y: Operand) => {
    nonlinear('divide (by)', y);
    return wrap(f64Api.divide(raw(x), raw(y)), flagged(x));
  },
  pow: binaryNonlinear('pow'),
  maximum: binaryNonlinear('maximum'),
  minimum: binaryNonlinear('minimum'),
  greater: binaryNonlinear('greater'),
  greaterEqual: binaryNonlinear('greaterEqual'),
  less: binaryNonlinear('less'),
  lessEqual: binaryNonlinear('lessEqual'),
  equal: binaryNonlinear('equal'),
  notEqual: binaryNonlinear('notEqual'),
  where: (c: Operand, x: Operand, y: Operand) => {
    nonlinear('where (condition)', c);
    return wrap(f64Api.where(raw(c) as never, raw(x), raw(y)), flagged(x) || flagged(y));
  },

  negative: passLinear('negative'),
  abs: unaryNonlinear('abs'),
  sign: unaryNonlinear('sign'),
  sqrt: unaryNonlinear('sqrt'),
  square: unaryNonlinear('square'),
  exp: unaryNonlinear('exp'),
  expm1: unaryNonlinear('expm1'),
  log: unaryNonlinear('log'),
  log1p: unaryNonlinear('log1p'),
  sin: unaryNonlinear('sin'),
  cos: unaryNonlinear('cos'),
  tanh: unaryNonlinear('tanh'),

  sum: passLinear('sum'),
  mean: passLinear('mean'),
  prod: reduceNonlinear('prod'),
  max: reduceNonlinear('max'),
  min: reduceNonlinear('min'),

  reshape: passLinear('reshape'),
  broadcastTo: passLinear('broadcastTo'),
  expandDims: passLinear('expandDims'),
  transpose: passLinear('transpose'),
  matmul: (x: Operand, y: Operand) => {
    if (flagged(x) && flagged(y)) throw new Error('linearEngine: matmul of two values that depend on tangents');
    return wrap(f64Api.matmul(raw(x), raw(y)), flagged(x) || flagged(y));
  },
}) as unknown as ArrayApi<Opaque, Opaque>;

export const linearConfig: RuleConfig<Opaque> = ruleConfig({ xp: linearApi, engine: 'linear-check', canReverse: true, canForward: true });

export const linearAdapter: Adapter<Opaque> = Object.freeze<Adapter<Opaque>>({
  name: 'linear-check',
  xp: linearApi,
  config: linearConfig,
  owns: (value): value is Opaque => value instanceof Opaque,
  isDifferentiating: () => false,
  invoke: (call) => call.primal(),
});

/** A primal (not flagged) or a tangent (flagged) of the linear-check engine. */
export const primal = (x: F64Array) => new Opaque(x, false);
export const tangent = (x: F64Array) => new Opaque(x, true);
