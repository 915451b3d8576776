/*
 * A toy engine for tests: scalar values in a `Box`, and a reverse-mode tape that records only
 * rule-aware calls (it has no AD of its own). Its adapter uses core's public API only, the way
 * the TF.js and jax-js adapters do.
 */
import {
  add,
  installAdapter,
  numberApi,
  ruleConfig,
} from '../../src/index';
import type { Adapter, ArrayApi, ReduceOptions } from '../../src/index';

export class Box {
  constructor(readonly value: number) {}
}

// Adapters declare their array type, so that tangent types admit it.
declare module '../../src/engines/arrayTypes' {
  interface ArrayTypes {
    box: Box;
  }
}

const unbox = (x: Box | number | boolean): number => (x instanceof Box ? x.value : typeof x === 'boolean' ? Number(x) : x);

type BoxArg = Box | number;
const unary = (op: (x: number) => number) => (x: BoxArg) => new Box(op(unbox(x)));
const binary = (op: (x: number, y: number) => number) => (x: BoxArg, y: BoxArg) => new Box(op(unbox(x), unbox(y)));
const compare = (op: (x: number, y: number) => boolean) => (x: BoxArg, y: BoxArg) => new Box(Number(op(unbox(x), unbox(y))));
const reduce = (x: BoxArg, options?: ReduceOptions) => new Box(numberApi.sum(unbox(x), options));

export const boxApi: ArrayApi<Box> = {
  name: 'box',
  asarray: (value) => new Box(numberApi.asarray(value instanceof Box ? value.value : (value as number))),
  zerosLike: () => new Box(0),
  onesLike: () => new Box(1),
  shape: () => [],
  add: binary((x, y) => x + y),
  subtract: binary((x, y) => x - y),
  multiply: binary((x, y) => x * y),
  divide: binary((x, y) => x / y),
  pow: binary((x, y) => x ** y),
  maximum: binary(Math.max),
  minimum: binary(Math.min),
  greater: compare((x, y) => x > y),
  greaterEqual: compare((x, y) => x >= y),
  less: compare((x, y) => x < y),
  lessEqual: compare((x, y) => x <= y),
  equal: compare((x, y) => x === y),
  notEqual: compare((x, y) => x !== y),
  where: (c, x, y) => new Box(unbox(c) !== 0 ? unbox(x) : unbox(y)),
  negative: unary((x) => -x),
  abs: unary(Math.abs),
  sign: unary(Math.sign),
  sqrt: unary(Math.sqrt),
  square: unary((x) => x * x),
  exp: unary(Math.exp),
  expm1: unary(Math.expm1),
  log: unary(Math.log),
  log1p: unary(Math.log1p),
  sin: unary(Math.sin),
  cos: unary(Math.cos),
  tanh: unary(Math.tanh),
  sum: reduce,
  mean: reduce,
  prod: reduce,
  max: reduce,
  min: reduce,
  reshape: (x, shape) => new Box(numberApi.reshape(unbox(x), shape)),
  broadcastTo: (x, shape) => new Box(numberApi.broadcastTo(unbox(x), shape)),
  expandDims: (x, axis) => new Box(numberApi.expandDims(unbox(x), axis)),
  transpose: (x, axes) => new Box(numberApi.transpose(unbox(x), axes)),
  matmul: (x, y) => new Box(numberApi.matmul(unbox(x), unbox(y))),
};

interface TapeEntry {
  readonly inputs: readonly unknown[];
  readonly out: Box;
  /** One cotangent per leaf of the call. */
  readonly pullback: (dy: unknown) => unknown[];
}

export const boxStats = { invoked: 0, recorded: 0, optedOut: 0 };
let tape: TapeEntry[] | undefined;

export const boxAdapter: Adapter<Box> = {
  name: 'box',
  xp: boxApi,
  config: ruleConfig({ xp: boxApi, engine: 'box', canReverse: true, canForward: false }),
  owns: (value): value is Box => value instanceof Box,
  isDifferentiating: () => tape !== undefined,
  invoke(call) {
    boxStats.invoked++;
    if (tape === undefined) return call.primal();
    call.guardStatic((value) => value instanceof Box);
    const result = call.rrule(boxAdapter.config);
    if (result === undefined) {
      boxStats.optedOut++;
      return call.primal();
    }
    const [y, pullback] = result;
    const out = y instanceof Box ? new Box(y.value) : new Box(y as number);
    tape.push({ inputs: call.leaves.map((leaf) => leaf.value), out, pullback });
    boxStats.recorded++;
    return out;
  },
};

export function installBox(): () => void {
  return installAdapter(boxAdapter);
}

/**
 * Reverse-mode gradient of `f` with respect to every Box among its inputs: returns
 * `[value, grads]` with one cotangent per input (ZeroTangent where unconnected).
 */
export function boxGrad<I extends readonly unknown[]>(f: (...inputs: I) => Box, ...inputs: I): [number, unknown[]] {
  const outer = tape;
  tape = [];
  try {
    const out = f(...inputs);
    const grads = new Map<Box, unknown>([[out, 1]]);
    for (let i = tape.length - 1; i >= 0; i--) {
      const entry = tape[i]!;
      const dy = grads.get(entry.out);
      if (dy === undefined) continue;
      entry.pullback(dy).forEach((slot, k) => {
        const input = entry.inputs[k];
        if (input instanceof Box) grads.set(input, add(grads.get(input) ?? 0, slot));
      });
    }
    return [out.value, inputs.map((input) => grads.get(input as Box) ?? 0)];
  } finally {
    tape = outer;
  }
}

export const unboxed = (x: unknown): unknown => (x instanceof Box ? x.value : x);
