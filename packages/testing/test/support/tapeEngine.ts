/*
 * A toy engine for the conformance suite's own tests. Values are `Traced` wrappers of F64Arrays.
 * Reverse mode: while a `grads` scope is open, every op on a tracked value records a node with
 * its vector-Jacobian product, written with the engine's own ops, so that a backward pass run
 * inside an outer scope is recorded too (nested `grads` = higher order). Forward mode: values
 * carry a tangent during `jvp` (one level, not mixed with `grads`). Rule-aware calls become one
 * node (an rrule) or one tangent step (an frule), through core's public API only. A
 * `TapeVariant` changes how the adapter works — correctly (recomputing the rrule, as TF.js
 * does) or with a fault — for the conformance suite's own tests.
 */
import { NoTangent, RuleError, ZeroTangent, adapterOf, isZero, ruleConfig, unthunk } from '@chainrules/core';
import type { Adapter, ArrayApi, ReduceOptions } from '@chainrules/core';
import { findValue, isContainer, leafTangents, treeLeaves, treeTangent, treeWith } from '@chainrules/core/adapter';
import type { RuleCall } from '@chainrules/core/adapter';
import type { ConformanceEngine } from '../../src/conformance/engine';
import { f64, toNumbers } from '../../src/reference/f64Array';
import type { F64Array, F64Input } from '../../src/reference/f64Array';
import { f64Api } from '../../src/reference/f64Api';

/** The cotangent of output `index` of a rule with several outputs, on its way to the rule's node (the hub). */
interface OutputCotangent {
  readonly index: number;
  readonly g: Traced;
}
type Cotangents = readonly (Traced | OutputCotangent | undefined)[];
interface Node {
  readonly inputs: readonly unknown[];
  /**
   * The cotangent of each input (`undefined`: zero, or not a Traced), from the node's
   * cotangent: a Traced, or for a hub one entry (`undefined`: none reached it) per output.
   */
  readonly backward: (g: any) => Cotangents;
}

export class Traced {
  constructor(
    readonly value: F64Array,
    /** Set when the value depends on a `grads` input (it is tracked). */
    readonly node: Node | undefined = undefined,
    /** Set during `jvp` when the value depends on the inputs. */
    readonly tangent: Traced | undefined = undefined,
    /**
     * Set on the hidden node of a rule with several outputs (a hub), to their number: each
     * output's node has the hub as its one input, and the hub's backward gets their cotangents.
     */
    readonly outputs: number | undefined = undefined,
  ) {}
}

/** The engine's state: open `grads` scopes (with the nodes recorded in each), live nodes, forward mode. */
export const tapeState = { scopes: [] as { nodes: number }[], liveNodes: 0, forward: false };

type Arg = Traced | number;
const raw = (x: Arg): F64Array | number => (x instanceof Traced ? x.value : x);
const primalOnly = (x: unknown): unknown => (x instanceof Traced ? new Traced(x.value) : x);
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);
/** `from` broadcasts to `to` (aligned from the right, each dimension equal or 1). */
const broadcastsTo = (from: readonly number[], to: readonly number[]) => from.length <= to.length && from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);

function unsupported(what: string): never {
  throw new RuleError('unsupported', { message: `the tape engine has no derivative for ${what}.`, fix: 'Differentiate through add, multiply, exp, sum and the other ops the tape engine lists.' });
}

function record(inputs: readonly unknown[], backward: Node['backward']): Node | undefined {
  const scope = tapeState.scopes.at(-1);
  if (scope === undefined || !inputs.some((x) => x instanceof Traced && x.node !== undefined)) return undefined;
  scope.nodes++;
  tapeState.liveNodes++;
  return { inputs, backward };
}

/** Brings a cotangent (or tangent) to `shape`: sums over broadcast axes, or broadcasts a smaller one; else `wrong-shape`. */
function fit(g: Traced, shape: readonly number[], where = 'a cotangent'): Traced {
  const gs = g.value.shape;
  if (sameShape(gs, shape)) return g;
  if (broadcastsTo(shape, gs)) {
    const lead = gs.length - shape.length;
    const axis = gs.map((_, k) => k).filter((k) => k < lead || (shape[k - lead] === 1 && gs[k] !== 1));
    return T.reshape(T.sum(g, { axis, keepdims: true }), shape);
  }
  if (broadcastsTo(gs, shape)) return T.broadcastTo(g, shape);
  throw new RuleError('wrong-shape', { message: `${where} of shape [${gs.join(', ')}] cannot be brought to shape [${shape.join(', ')}].`, fix: 'Return cotangents of the inputs’ shapes.' });
}
const unb = (g: Traced | undefined, x: unknown): Traced | undefined => (g !== undefined && x instanceof Traced ? fit(g, x.value.shape) : undefined);
const plus = (a: Traced | undefined, b: Traced | undefined) => (a === undefined ? b : b === undefined ? a : T.add(a, b));
const times = (t: Traced | undefined, k: Arg) => (t === undefined ? undefined : T.multiply(t, k));

/** One op: its value, its VJP (`undefined`: no derivative) and its JVP (`'linear'`: the op itself on the tangents). */
function op(name: string, inputs: readonly Arg[], value: F64Array, vjp?: (g: Traced) => Cotangents, jvp?: ((ts: readonly (Traced | undefined)[], ...ps: Arg[]) => Traced | undefined) | 'linear', linear?: (...ts: Arg[]) => Traced): Traced {
  const node = record(inputs, vjp ?? (() => unsupported(`'${name}'`)));
  let tangent: Traced | undefined;
  if (tapeState.forward && inputs.some((x) => x instanceof Traced && x.tangent !== undefined)) {
    const ts = inputs.map((x) => (x instanceof Traced ? x.tangent : undefined));
    if (jvp === 'linear') tangent = linear!(...ts.map((t, i) => t ?? (inputs[i] instanceof Traced ? T.zerosLike(inputs[i] as Traced) : 0)));
    else tangent = jvp === undefined ? unsupported(`'${name}' in forward mode`) : jvp(ts, ...(inputs.map(primalOnly) as Arg[]));
    if (tangent !== undefined && !sameShape(tangent.value.shape, value.shape)) tangent = T.broadcastTo(tangent, value.shape);
  }
  return new Traced(value, node, tangent);
}

/** A differentiable unary op, given its derivative. */
const unary = (name: string, f: (x: F64Array | number) => F64Array, d: (x: Arg) => Arg) => (x: Arg) =>
  op(name, [x], f(raw(x)), (g) => [T.multiply(g, d(x))], ([t], p) => times(t, d(p!)));
/** An op whose value has no derivative. */
const valueOnly = (name: string, f: (...args: any[]) => F64Array) => (...args: unknown[]): Traced =>
  op(name, args.filter((a): a is Traced => a instanceof Traced), f(...args.map((a) => (a instanceof Traced ? a.value : a))));
const axesOf = (options: ReduceOptions | undefined, rank: number): number[] => {
  const axis = options?.axis;
  const list = axis === undefined ? [...Array(rank).keys()] : typeof axis === 'number' ? [axis] : [...axis];
  return list.map((k) => (k < 0 ? k + rank : k));
};
/** sum and mean: the VJP spreads the cotangent back over the reduced axes. */
const reduction = (name: 'sum' | 'mean') => (x: Arg, options?: ReduceOptions): Traced => {
  const shape = x instanceof Traced ? x.value.shape : [];
  const axes = axesOf(options, shape.length);
  const count = axes.reduce((n, k) => n * shape[k]!, 1);
  const back = (g: Traced) => {
    const kept = options?.keepdims === true ? g : T.reshape(g, shape.map((d, k) => (axes.includes(k) ? 1 : d)));
    const spread = T.broadcastTo(kept, shape);
    return [name === 'mean' ? T.divide(spread, count) : spread];
  };
  return op(name, [x], f64Api[name](raw(x), options), back, 'linear', (t) => T[name](t, options));
};

export const T: ArrayApi<Traced, Traced> = {
  name: 'tape',
  asarray: (value) => (value instanceof Traced ? value : new Traced(f64Api.asarray(value))),
  zerosLike: (x) => new Traced(f64Api.zerosLike(raw(x))),
  onesLike: (x) => new Traced(f64Api.onesLike(raw(x))),
  shape: (x) => f64Api.shape(raw(x)),
  add: (x, y) => op('add', [x, y], f64Api.add(raw(x), raw(y)), (g) => [unb(g, x), unb(g, y)], ([a, b]) => plus(a, b)),
  subtract: (x, y) => op('subtract', [x, y], f64Api.subtract(raw(x), raw(y)), (g) => [unb(g, x), unb(T.negative(g), y)], ([a, b]) => plus(a, b && T.negative(b))),
  multiply: (x, y) => op('multiply', [x, y], f64Api.multiply(raw(x), raw(y)), (g) => [unb(T.multiply(g, y), x), unb(T.multiply(g, x), y)], ([a, b], p, q) => plus(times(a, q!), times(b, p!))),
  divide: (x, y) =>
    op('divide', [x, y], f64Api.divide(raw(x), raw(y)), (g) => [unb(T.divide(g, y), x), y instanceof Traced ? unb(T.negative(T.divide(T.multiply(g, x), T.square(y))), y) : undefined],
      ([a, b], p, q) => plus(a && T.divide(a, q!), b && T.negative(T.divide(T.multiply(b, p!), T.square(q!))))),
  pow: (x, y) =>
    op('pow', [x, y], f64Api.pow(raw(x), raw(y)), (g) => [unb(T.multiply(g, T.multiply(y, T.pow(x, T.subtract(y, 1)))), x), y instanceof Traced ? unb(T.multiply(g, T.multiply(T.log(x), T.pow(x, y))), y) : undefined],
      ([a, b], p, q) => plus(times(a, T.multiply(q!, T.pow(p!, T.subtract(q!, 1)))), times(b, T.multiply(T.log(p!), T.pow(p!, q!))))),
  maximum: valueOnly('maximum', f64Api.maximum),
  minimum: valueOnly('minimum', f64Api.minimum),
  greater: valueOnly('greater', f64Api.greater),
  greaterEqual: valueOnly('greaterEqual', f64Api.greaterEqual),
  less: valueOnly('less', f64Api.less),
  lessEqual: valueOnly('lessEqual', f64Api.lessEqual),
  equal: valueOnly('equal', f64Api.equal),
  notEqual: valueOnly('notEqual', f64Api.notEqual),
  where: (c, x, y) =>
    op('where', [x, y], f64Api.where(c instanceof Traced ? c.value : c, raw(x), raw(y)), (g) => [unb(T.where(c, g, 0), x), unb(T.where(c, 0, g), y)], 'linear', (a, b) => T.where(c, a!, b!)),
  negative: (x) => op('negative', [x], f64Api.negative(raw(x)), (g) => [T.negative(g)], 'linear', (t) => T.negative(t!)),
  abs: valueOnly('abs', f64Api.abs),
  sign: valueOnly('sign', f64Api.sign),
  sqrt: unary('sqrt', f64Api.sqrt, (x) => T.divide(0.5, T.sqrt(x))),
  square: unary('square', f64Api.square, (x) => T.multiply(2, x)),
  exp: unary('exp', f64Api.exp, (x) => T.exp(x)),
  expm1: unary('expm1', f64Api.expm1, (x) => T.exp(x)),
  log: unary('log', f64Api.log, (x) => T.divide(1, x)),
  log1p: unary('log1p', f64Api.log1p, (x) => T.divide(1, T.add(1, x))),
  sin: unary('sin', f64Api.sin, (x) => T.cos(x)),
  cos: unary('cos', f64Api.cos, (x) => T.negative(T.sin(x))),
  tanh: unary('tanh', f64Api.tanh, (x) => T.subtract(1, T.square(T.tanh(x)))),
  sum: reduction('sum'),
  mean: reduction('mean'),
  prod: valueOnly('prod', f64Api.prod),
  max: valueOnly('max', f64Api.max),
  min: valueOnly('min', f64Api.min),
  reshape: (x, shape) => op('reshape', [x], f64Api.reshape(raw(x), shape), (g) => [T.reshape(g, T.shape(x))], 'linear', (t) => T.reshape(t!, shape)),
  broadcastTo: (x, shape) => op('broadcastTo', [x], f64Api.broadcastTo(raw(x), shape), (g) => [unb(g, x)], 'linear', (t) => T.broadcastTo(t!, shape)),
  expandDims: (x, axis) => op('expandDims', [x], f64Api.expandDims(raw(x), axis), (g) => [T.reshape(g, T.shape(x))], 'linear', (t) => T.expandDims(t!, axis)),
  transpose: valueOnly('transpose', f64Api.transpose),
  matmul: valueOnly('matmul', f64Api.matmul),
};

const asTraced = (y: unknown): Traced => (y instanceof Traced ? y : new Traced(f64Api.asarray(y as number)));
/** An output of a rule with several outputs that has a derivative: a float Traced (not a comparison's boolean array, not a plain number). */
const isFloatOutput = (y: unknown): y is Traced => y instanceof Traced && y.value.dtype === 'float64';
/** An output with no derivative, passed through: a boolean array untracked, a plain number as it is. */
const passThrough = (y: unknown): unknown => (y instanceof Traced ? new Traced(y.value) : y);
const slotOf = (call: RuleCall, k: number): string => call.leaves[k]!.slot;

/** A (co)tangent from a rule, as a Traced, or `undefined` for a zero. */
function fromRule(t: unknown, call: RuleCall, slot: string): Traced | undefined {
  const v = unthunk(t);
  if (v === undefined || isZero(v)) return undefined;
  if (v instanceof Traced || typeof v === 'number') return asTraced(v);
  throw new RuleError('tangent-mismatch', { rule: call.name, slot, message: 'the tape engine takes a number, a Traced or a zero here.', fix: 'Return an array of the input’s engine.' });
}

/**
 * How a variant of the tape adapter differs from the working one. `recompute` is correct (the
 * suite must accept it); the other fields are faults, each given the working step to misuse.
 */
export interface TapeVariant {
  /** Runs the rrule again in the backward pass and uses that copy's pullback (TF.js's strategy). */
  readonly recompute?: boolean;
  /** Fault: how a node runs the rule's pullback on ȳ, before un-broadcasting (`pullback(dy)` is the working way). */
  readonly pullback?: (pullback: (dy: unknown) => readonly unknown[], dy: Traced) => readonly unknown[];
  /** Fault: how a rule's cotangent at `slot` (`'args[0]'`, `'kwargs.c'`) is brought to its input's shape (`fit` is the working way). */
  readonly unbroadcast?: (g: Traced, shape: readonly number[], slot: string, fit: (g: Traced, shape: readonly number[]) => Traced) => Traced;
  /** Fault: true for the inputs whose tangents forward mode leaves on the values for the engine's own AD, giving the frule `ZeroTangent` for them. */
  readonly nativeTangent?: (slot: string) => boolean;
  /**
   * Fault: what the pullback of a rule with several outputs gets for output `out`, given the
   * working one (the cotangent that reached it; `undefined` → ZeroTangent; `NoTangent` for an
   * output with no derivative).
   */
  readonly outputCotangent?: (working: unknown, out: unknown) => unknown;
  /** Fault: how the cotangent of leaf `k` is read from the pullback's result (`read()` is the working way, and reads only the leaves the tape differentiates). */
  readonly readCotangent?: (read: () => unknown, k: number, differentiated: boolean) => unknown;
}

function invoke(adapter: Adapter<Traced>, call: RuleCall, variant: TapeVariant): unknown {
  if (tapeState.scopes.length === 0 && !tapeState.forward) return call.primal();
  const tracked = (v: unknown): boolean => adapterOf(v) !== undefined;
  call.guardStatic(tracked);
  // Leaves of record and list arguments are the call's own; a tracked value inside another container would get no derivative.
  call.leaves.forEach(({ value, slot }) => {
    if (tracked(value)) return;
    const found = findValue(value, tracked, { rule: call.name, slot });
    if (found !== undefined) throw new RuleError('unsupported', { rule: call.name, slot, message: `a tracked value inside a container argument (at ${found.where}).`, fix: 'Pass it as its own argument.' });
  });
  const inputs = call.leaves.map((leaf) => leaf.value);
  // Nothing this call depends on is tracked (or carries a tangent): its value is all that matters.
  if (!inputs.some((x) => x instanceof Traced && (tapeState.forward ? x.tangent : x.node) !== undefined)) return call.primal();
  const where = (slot: string) => `the tangent of rule '${call.name}' at ${slot}`;
  if (tapeState.forward) {
    const native = inputs.map((_, k) => variant.nativeTangent?.(slotOf(call, k)) === true);
    const primalOf = (x: unknown, k: number) => (native[k] === true ? x : primalOnly(x));
    const tangentOf = (x: unknown, k: number) => (native[k] !== true && x instanceof Traced && x.tangent !== undefined ? x.tangent : ZeroTangent);
    const result = call.frule(adapter.config, inputs.map(tangentOf), inputs.map(primalOf));
    if (result === undefined) return call.primal(); // no frule, or opted out: the tape's own forward mode
    if (isContainer(result[0])) {
      // Several outputs: ẏ is their Tangent, read one tangent per output.
      const outs = treeLeaves(result[0], { rule: call.name, slot: 'output' }).map((leaf) => leaf.value);
      const dys = leafTangents(result[0], result[1], { rule: call.name, slot: 'output' });
      return treeWith(result[0], outs.map((out, j) => {
        if (!isFloatOutput(out)) return passThrough(out);
        const dy = fromRule(dys[j], call, `output ${j}`);
        return new Traced(out.value, undefined, dy && fit(dy, out.value.shape, where(`output ${j}`)));
      }));
    }
    const y = asTraced(result[0]);
    const dy = fromRule(result[1], call, 'the output');
    // y carries a tangent of its own only where a faulty variant left tangents on the inputs.
    return new Traced(y.value, undefined, plus(dy && fit(dy, y.value.shape, where('the output')), y.tangent));
  }
  const result = call.rrule(adapter.config, inputs);
  if (result === undefined) return call.primal(); // opted out: the tape differentiates the plain function
  const [y, pullback] = result;
  // Several outputs: one node (a hub) for the rule, whose backward gets every output's cotangent.
  const outs = isContainer(y) ? treeLeaves(y, { rule: call.name, slot: 'output' }).map((leaf) => leaf.value) : undefined;
  const node = record(inputs, (g): Cotangents => {
    const working = variant.recompute === true ? call.rrule(adapter.config, inputs)![1] : pullback;
    // For several outputs: their Tangent, ZeroTangent where no cotangent reached an output, NoTangent for one with no derivative.
    const outputCotangent = (out: unknown, j: number): unknown => {
      const working = isFloatOutput(out) ? (g as (Traced | undefined)[])[j] : NoTangent;
      return variant.outputCotangent === undefined ? working : variant.outputCotangent(working, out);
    };
    const dy = outs === undefined ? g : treeTangent(y, outs.map(outputCotangent));
    const tangents = variant.pullback === undefined || outs !== undefined ? working(dy) : variant.pullback(working, g);
    const read = (k: number) => fromRule(tangents[k], call, slotOf(call, k));
    const read1 = (k: number, x: unknown) => (variant.readCotangent === undefined ? (x instanceof Traced ? read(k) : undefined) : variant.readCotangent(() => read(k), k, x instanceof Traced));
    return inputs.map((x, k) => {
      const slot = slotOf(call, k);
      const ct = read1(k, x) as Traced | undefined;
      if (ct === undefined || !(x instanceof Traced)) return undefined;
      const fitted = (g: Traced, shape: readonly number[]) => fit(g, shape, where(slot));
      return variant.unbroadcast === undefined ? fitted(ct, x.value.shape) : variant.unbroadcast(ct, x.value.shape, slot, fitted);
    });
  });
  if (outs === undefined) return new Traced(asTraced(y).value, node);
  const hub = new Traced(f64(0), node, undefined, outs.length);
  return treeWith(y, outs.map((out, index) => (isFloatOutput(out) ? new Traced(out.value, record([hub], (g: Traced) => [{ index, g }])) : passThrough(out))));
}

/** Backpropagates from `out` to `leaves` through the nodes that depend on them. */
function backprop(out: Traced, leaves: readonly Traced[]): Traced[] {
  const isLeaf = new Set(leaves);
  const reaches = new Map<Traced, boolean>();
  const order: Traced[] = [];
  const visit = (t: Traced): boolean => {
    const known = reaches.get(t);
    if (known !== undefined) return known;
    let r = isLeaf.has(t);
    if (!r && t.node !== undefined) for (const x of t.node.inputs) if (x instanceof Traced && visit(x)) r = true;
    reaches.set(t, r);
    if (r) order.push(t);
    return r;
  };
  visit(out);
  // A hub's cotangent is a list: one entry per output of its rule.
  const grads = new Map<Traced, Traced | (Traced | undefined)[]>([[out, T.onesLike(out)]]);
  for (let i = order.length - 1; i >= 0; i--) {
    const t = order[i]!;
    const g = grads.get(t);
    if (isLeaf.has(t) || g === undefined) continue;
    const cts = t.node!.backward(g);
    t.node!.inputs.forEach((x, k) => {
      const ct = cts[k];
      if (!(x instanceof Traced) || ct === undefined || reaches.get(x) !== true) return;
      const before = grads.get(x);
      if (x.outputs !== undefined) {
        const { index, g: part } = ct as OutputCotangent;
        const list = (before as (Traced | undefined)[] | undefined) ?? new Array<Traced | undefined>(x.outputs).fill(undefined);
        list[index] = plus(list[index], part);
        grads.set(x, list);
      } else grads.set(x, before === undefined ? (ct as Traced) : T.add(before as Traced, ct as Traced));
    });
  }
  return leaves.map((leaf) => (grads.get(leaf) as Traced | undefined) ?? T.zerosLike(leaf));
}

function grads(f: (...xs: Traced[]) => Traced): (...xs: Traced[]) => Traced[] {
  return (...xs) => {
    if (tapeState.forward) unsupported('grads inside jvp');
    const scope = { nodes: 0 };
    tapeState.scopes.push(scope);
    try {
      // Each input becomes a fresh leaf; one of an outer scope stays linked to it, for higher order.
      const leaves = xs.map((x) => new Traced(x.value, { inputs: x.node === undefined ? [] : [x], backward: (g) => [g] }));
      scope.nodes += leaves.length;
      tapeState.liveNodes += leaves.length;
      let out: unknown;
      try {
        out = f(...leaves);
      } finally {
        tapeState.scopes.pop(); // the backward pass records into the outer scope, if any
      }
      if (!(out instanceof Traced) || out.value.data.length !== 1) throw new RuleError('wrong-shape', { message: 'grads takes a function with one scalar Traced output.' });
      return backprop(out, leaves);
    } finally {
      tapeState.liveNodes -= scope.nodes;
    }
  };
}

/** Forward mode on trees: `[f(primals), its tangent]`, both shaped like f's output. */
function jvpTree(f: (tree: unknown) => unknown, primals: unknown, tangents: unknown): [unknown, unknown] {
  if (tapeState.forward || tapeState.scopes.length > 0) unsupported('jvp nested in jvp or grads');
  const ts = treeLeaves(tangents).map((leaf) => leaf.value as Traced);
  const ps = treeLeaves(primals).map((leaf, i) => new Traced((leaf.value as Traced).value, undefined, new Traced(ts[i]!.value)));
  tapeState.forward = true;
  try {
    const y = f(treeWith(primals, ps));
    const outs = treeLeaves(y).map((leaf) => (leaf.value instanceof Traced ? leaf.value : unsupported('jvpTree of a function with an output that is not an array')));
    return [treeWith(y, outs.map((out) => new Traced(out.value))), treeWith(y, outs.map((out) => out.tangent ?? T.zerosLike(out)))];
  } finally {
    tapeState.forward = false;
  }
}

function jvp(f: (...xs: Traced[]) => Traced, primals: readonly Traced[], tangents: readonly Traced[]): [Traced, Traced] {
  if (tapeState.forward || tapeState.scopes.length > 0) unsupported('jvp nested in jvp or grads');
  tapeState.forward = true;
  try {
    const y = f(...primals.map((p, i) => new Traced(p.value, undefined, new Traced(tangents[i]!.value))));
    return [new Traced(y.value), y.tangent ?? T.zerosLike(y)];
  } finally {
    tapeState.forward = false;
  }
}

/** The tape engine's adapter under `name` (`canForward` false for a reverse-only variant), working or changed by `variant`. */
export function tapeAdapter(name = 'tape', canForward = true, variant: TapeVariant = {}): Adapter<Traced> {
  const adapter: Adapter<Traced> = {
    name,
    xp: T,
    config: ruleConfig({ xp: T, engine: name, canReverse: true, canForward }),
    owns: (value): value is Traced => value instanceof Traced,
    isDifferentiating: () => tapeState.scopes.length > 0 || tapeState.forward,
    invoke: (call) => invoke(adapter, call, variant),
  };
  return adapter;
}

/**
 * The tape engine for the conformance suite. It counts the arrays it hands the suite (made by
 * `array`, returned by a top-level `grads` or by `jvp`) until the suite disposes them; `read`
 * and `dispose` refuse a disposed array. `around` checks that no scope stays open, no node
 * stays live and every array handed out was disposed.
 */
export function tapeEngine(adapter: Adapter<Traced> = tapeAdapter()): ConformanceEngine<Traced> & { grads: typeof grads; jvp: typeof jvp } {
  const live = new Set<Traced>();
  const disposed = new WeakSet<Traced>();
  const handOut = (x: Traced): Traced => (live.add(x), x);
  const handOutTree = (tree: unknown): unknown => (treeLeaves(tree).forEach((leaf) => leaf.value instanceof Traced && handOut(leaf.value)), tree);
  const engine: ConformanceEngine<Traced> & { grads: typeof grads; jvp: typeof jvp } = {
    adapter,
    array: (value) => handOut(new Traced(f64(value as F64Input))),
    read: (x) => {
      if (disposed.has(x)) throw new Error('the tape engine: read of a disposed array');
      return { shape: x.value.shape, data: toNumbers(x.value) };
    },
    dispose: (x) => {
      if (disposed.has(x)) throw new Error('the tape engine: an array disposed twice');
      disposed.add(x);
      live.delete(x);
    },
    grads: (f) => (...xs) => {
      const topLevel = tapeState.scopes.length === 0; // inner gradients stay the engine's
      const out = grads(f)(...xs);
      if (topLevel) out.forEach(handOut);
      return out;
    },
    jvp: (f, primals, tangents) => {
      const out = jvp(f, primals, tangents);
      out.forEach(handOut);
      return out;
    },
    // The tree forms: leaves through grads (one scope), put back in the tree's shape.
    gradTree: (f) => (tree) => {
      const leaves = treeLeaves(tree).map((leaf) => leaf.value as Traced);
      return treeWith(tree, engine.grads((...xs) => f(treeWith(tree, xs) as never))(...leaves)) as never;
    },
    jvpTree: (f, primals, tangents) => {
      const out = jvpTree(f as (tree: unknown) => unknown, primals, tangents);
      out.forEach(handOutTree);
      return out as never;
    },
    around: () => {
      const before = tapeState.liveNodes;
      const arrays = live.size;
      return () => {
        if (tapeState.scopes.length > 0 || tapeState.forward || tapeState.liveNodes !== before || live.size !== arrays) {
          throw new Error(`the tape engine leaked: ${tapeState.scopes.length} open scopes, forward ${tapeState.forward}, ${tapeState.liveNodes - before} live nodes, ${live.size - arrays} arrays not disposed`);
        }
      };
    },
  };
  return engine;
}
