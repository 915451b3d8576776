import { Tangent, escapeText, isTangent, isZero, unthunk } from '@chainrules/core';
import { f64, isF64Array } from '../reference/f64Array';
import { describeValue } from '../reference/f64Shape';
import type { F64Array } from '../reference/f64Array';
import type { Random } from './random';

/*
 * Values as trees: leaves are numbers and float64 reference arrays (the differentiable
 * values a check perturbs), containers are plain records and arrays. Everything else
 * (strings, flags, functions) is static.
 */

export type Path = readonly (string | number)[];
export type Leaf = number | F64Array;

export interface LeafAt {
  readonly path: Path;
  readonly value: Leaf;
}

export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export function isLeaf(value: unknown): value is Leaf {
  return typeof value === 'number' || (isF64Array(value) && value.dtype === 'float64');
}

/** The differentiable leaves of a value, with their paths. */
export function leavesOf(value: unknown, path: Path = [], depth = 0): LeafAt[] {
  if (isLeaf(value)) return [{ path, value }];
  if (depth > 32) return [];
  if (Array.isArray(value)) return value.flatMap((item: unknown, i) => leavesOf(item, [...path, i], depth + 1));
  if (isPlainRecord(value)) return Object.keys(value).flatMap((key) => leavesOf(value[key], [...path, key], depth + 1));
  return [];
}

/** `path` written as `args[0].mu` / `kwargs.prior.mu`. */
export function pathName(root: string, path: Path): string {
  // Keys come from users: escaped, so that a key cannot carry control characters into a message.
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${escapeText(key)}`), root);
}

export function shapeOf(leaf: Leaf): readonly number[] {
  return typeof leaf === 'number' ? [] : leaf.shape;
}

/**
 * A leaf of `like`'s shape with random entries of either sign and magnitude at least 0.5, so
 * that no component of a derivative is weighted near zero by chance.
 */
export function randomLike(like: Leaf, random: Random): Leaf {
  const draw = () => {
    const n = random.normal();
    return Math.sign(n || 1) * (0.5 + Math.abs(n) / 2);
  };
  if (typeof like === 'number') return draw();
  const data = new Float64Array(like.data.length);
  for (let i = 0; i < data.length; i++) data[i] = draw();
  return f64(data, like.shape);
}

/** `x + t·v`, a new leaf. */
export function axpy(x: Leaf, t: number, v: Leaf): Leaf {
  if (typeof x === 'number') return x + t * (typeof v === 'number' ? v : v.data[0]!);
  const data = new Float64Array(x.data.length);
  for (let i = 0; i < data.length; i++) data[i] = x.data[i]! + t * (typeof v === 'number' ? v : v.data[i]!);
  return f64(data, x.shape);
}

/** A copy of `root` with the value at `path` replaced; containers on the way are copied. */
export function replaceAt(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [key, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...(root as unknown[])];
    copy[key as number] = replaceAt(copy[key as number], rest, value);
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  copy[key as string] = replaceAt(copy[key as string], rest, value);
  return copy;
}

/** The tangent at `path` below a tangent (a `Tangent` of records/tuples); zeros stay zeros. */
export function tangentAtPath(tangent: unknown, path: Path): unknown {
  let current = unthunk(tangent);
  for (const key of path) {
    if (isZero(current)) return current;
    if (!isTangent(current)) return undefined;
    current = unthunk((current as Tangent<Record<PropertyKey, unknown>>).get(key as never));
  }
  return current;
}

/** What kind of value a tangent leaf is, for messages. */
export type LeafReading =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly problem: string };

/**
 * ⟨tangent, direction⟩ for one leaf: zeros give 0; a number or an array of the direction's
 * shape give their inner product; anything else is a problem to report.
 */
export function dotLeaf(tangent: unknown, direction: Leaf): LeafReading {
  const t = unthunk(tangent);
  const shape = shapeOf(direction);
  if (isZero(t)) return { ok: true, value: 0 };
  if (typeof t === 'number') {
    // A number is the tangent of a number or of a 0-d array, not of an array with axes.
    if (shape.length === 0) return { ok: true, value: t * scalarOf(direction) };
    return { ok: false, problem: `a number for an input of shape [${shape.join(', ')}]` };
  }
  if (isF64Array(t)) {
    if (!sameShape(t.shape, shape)) {
      return { ok: false, problem: `an array of shape [${t.shape.join(', ')}] for an input of shape [${shape.join(', ')}]` };
    }
    if (t.dtype !== 'float64') return { ok: false, problem: `an array of dtype ${t.dtype}` };
    let sum = 0;
    for (let i = 0; i < t.data.length; i++) sum += t.data[i]! * (typeof direction === 'number' ? direction : direction.data[i]!);
    return { ok: true, value: sum };
  }
  return { ok: false, problem: t === undefined ? 'nothing' : describeShort(t) };
}

function scalarOf(leaf: Leaf): number {
  return typeof leaf === 'number' ? leaf : leaf.data[0]!;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((n, i) => n === b[i]);
}

/** ⟨ȳ, y⟩ summed over the leaves of an output `y` and its cotangent (a leaf or a `Tangent`). */
export function pairing(cotangent: unknown, output: unknown): number {
  let sum = 0;
  for (const { path, value } of leavesOf(output)) {
    const reading = dotLeaf(tangentAtPath(cotangent, path) ?? 0, value);
    if (!reading.ok) throw new Error(`cotangent and output disagree at ${pathName('y', path)}: ${reading.problem}`);
    sum += reading.value;
  }
  return sum;
}

/**
 * ⟨ȳ, y − y₀⟩ summed element by element (outputs that did not move add exactly 0), and
 * Σ|ȳ·y₀| over the elements that moved: the scale of the round-off in the difference.
 */
export function pairingDelta(cotangent: unknown, output: unknown, base: unknown): { value: number; magnitude: number } {
  let value = 0;
  let magnitude = 0;
  const before = leavesOf(base);
  leavesOf(output).forEach(({ path, value: leaf }, k) => {
    const weight = unthunk(tangentAtPath(cotangent, path));
    const start = before[k]?.value;
    if (weight === undefined || isZero(weight) || start === undefined) return;
    const ys = typeof leaf === 'number' ? [leaf] : leaf.data;
    const bs = typeof start === 'number' ? [start] : start.data;
    const ws = typeof weight === 'number' ? undefined : (weight as F64Array).data;
    for (let i = 0; i < ys.length; i++) {
      const d = ys[i]! - bs[i]!;
      if (d === 0) continue;
      const w = ws === undefined ? (weight as number) : ws[i]!;
      value += w * d;
      magnitude += Math.abs(w * bs[i]!);
    }
  });
  return { value, magnitude };
}

/** A random tangent of `value`'s structure: a leaf, or a `Tangent` of its differentiable fields. */
export function randomTangent(value: unknown, random: Random, depth = 0): unknown {
  if (isLeaf(value)) return randomLike(value, random);
  if (depth > 32) return undefined;
  if (Array.isArray(value)) return new Tangent((value as unknown[]).map((item) => randomTangent(item, random, depth + 1) ?? undefined) as never);
  if (isPlainRecord(value)) {
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      const field = randomTangent(value[key], random, depth + 1);
      if (field !== undefined) fields[key] = field;
    }
    return new Tangent(fields);
  }
  return undefined;
}

/** A copy of a leaf (arrays copied), so that a rule given it cannot change the original. */
export function copyLeaf(leaf: Leaf): Leaf {
  return typeof leaf === 'number' ? leaf : f64(leaf.data, leaf.shape);
}

/** The leaf of `like`'s shape that is 1 at flat index `i` and 0 elsewhere. */
export function oneHot(like: F64Array, i: number): F64Array {
  const data = new Float64Array(like.data.length);
  data[i] = 1;
  return f64(data, like.shape);
}

/** Flat index `i` of `shape` as `[1, 2]` (row-major). */
export function unravel(i: number, shape: readonly number[]): string {
  const index: number[] = [];
  let rest = i;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index.unshift(rest % shape[axis]!);
    rest = Math.floor(rest / shape[axis]!);
  }
  return `[${index.join(', ')}]`;
}

/** True when every leaf of a tangent of `primal` is a zero (or absent). */
export function isAllZero(tangent: unknown, primal: unknown): boolean {
  return leavesOf(primal).every(({ path }) => {
    const t = unthunk(tangentAtPath(tangent, path));
    if (t === undefined || isZero(t)) return true;
    if (typeof t === 'number') return t === 0;
    return isF64Array(t) && t.data.every((v) => v === 0);
  });
}

/** The outline of a value: its leaves' shapes, its static values, its records' keys. */
export function outline(value: unknown, depth = 0): unknown {
  if (typeof value === 'number') return 'number';
  if (isF64Array(value)) return `F64Array[${value.shape.join(',')}]:${value.dtype}`;
  if (depth > 32) return '…';
  if (Array.isArray(value)) return value.map((item: unknown) => outline(item, depth + 1));
  if (isPlainRecord(value)) return Object.fromEntries(Object.keys(value).sort().map((key) => [key, outline(value[key], depth + 1)]));
  return typeof value === 'object' || typeof value === 'function' ? describeShort(value) : value;
}

/** A deep copy of the parts of a value a rule could mutate: arrays' data, records, tuples. */
export function snapshot(value: unknown, depth = 0): unknown {
  // An array's shape is read-only; its data is what a rule could write to.
  if (isF64Array(value)) return Float64Array.from(value.data);
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((item: unknown) => snapshot(item, depth + 1));
  if (isPlainRecord(value)) return Object.fromEntries(Object.keys(value).map((key) => [key, snapshot(value[key], depth + 1)]));
  if (isTangent(value)) return { tangent: snapshot(value.backing, depth + 1) };
  return value;
}

/** The first path at which `value` no longer matches its `before` snapshot, or `undefined`. */
export function changedAt(before: unknown, value: unknown, path: Path = [], depth = 0): Path | undefined {
  const now = snapshot(value, depth);
  return firstDifference(before, now, path);
}

function firstDifference(a: unknown, b: unknown, path: Path): Path | undefined {
  if (a instanceof Float64Array && b instanceof Float64Array) {
    if (a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return [...path, i];
    return undefined;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return path;
    for (let i = 0; i < a.length; i++) {
      const found = firstDifference(a[i], b[i], [...path, i]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (isPlainRecord(a) && isPlainRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const found = firstDifference(a[key], b[key], [...path, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : path;
}

/** A short description of a tangent or value for messages. */
export function describeShort(value: unknown): string {
  const v = unthunk(value);
  if (isZero(v)) return v.kind;
  if (typeof v === 'number') return formatNumber(v);
  if (isF64Array(v)) {
    const shown = Array.from(v.data.slice(0, 6), formatNumber).join(', ');
    return `F64Array(shape [${v.shape.join(', ')}]) [${shown}${v.data.length > 6 ? ', …' : ''}]`;
  }
  if (isTangent(v)) return `Tangent { ${v.keys().join(', ')} }`;
  return v === undefined ? 'undefined' : describeValue(v);
}

export function formatNumber(n: number): string {
  if (n === 0 || !Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  return abs >= 1e-3 && abs < 1e6 ? String(Number(n.toPrecision(10))) : n.toExponential(6);
}
