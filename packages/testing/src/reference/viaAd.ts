import { NoTangent, RuleError, Tangent, ZeroTangent, isTangent, isZero, ruleConfig, unthunk } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { replaceAt } from '../check/tree';
import { f64, isF64Array } from './f64Array';
import type { F64Array } from './f64Array';

/*
 * `rruleViaAd` / `fruleViaAd` for the float64 reference, by finite differences of the function
 * itself (ChainRulesTestUtils' test config does the same with FiniteDifferences.jl): what a
 * rule that calls back into "the engine" gets while the rule checks run it.
 */

/** How {@link finiteDifferenceAd} differentiates: a central stencil of a given order and step. */
export interface FiniteDifferenceSettings {
  /**
   * The step h of the stencil, along each input element (pullback) or along the tangent
   * (forward) — default `1e-3`. Lower it for functions that vary on a finer scale or inputs
   * near the edge of the function's domain (every point within `order/2 · h` is evaluated).
   */
  readonly step?: number | undefined;
  /** The order of accuracy of the central stencil: 2, 4, 6 or 8 (default `6`, 6 evaluations a derivative). */
  readonly order?: 2 | 4 | 6 | 8 | undefined;
}

type AnyFn = (...args: never[]) => unknown;
type Leaf = number | F64Array;
type Path = readonly (string | number)[];

/** Central-difference weights for offsets 1…order/2 (the weight of −k is minus that of k). */
const STENCILS: Readonly<Record<2 | 4 | 6 | 8, readonly number[]>> = {
  2: [1 / 2],
  4: [2 / 3, -1 / 12],
  6: [3 / 4, -3 / 20, 1 / 60],
  8: [4 / 5, -1 / 5, 4 / 105, -1 / 280],
};

function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isLeaf(value: unknown): value is Leaf {
  return typeof value === 'number' || (isF64Array(value) && value.dtype === 'float64');
}

interface LeafAt {
  readonly path: Path;
  readonly value: Leaf;
}

function leavesOf(value: unknown, path: Path = [], depth = 0): LeafAt[] {
  if (isLeaf(value)) return [{ path, value }];
  if (depth > 32) return [];
  if (Array.isArray(value)) return value.flatMap((item: unknown, i) => leavesOf(item, [...path, i], depth + 1));
  if (isRecord(value)) return Object.keys(value).flatMap((key) => leavesOf(value[key], [...path, key], depth + 1));
  return [];
}

function sizeOf(leaf: Leaf): number {
  return typeof leaf === 'number' ? 1 : leaf.data.length;
}

function dataOf(leaf: Leaf): ArrayLike<number> {
  return typeof leaf === 'number' ? [leaf] : leaf.data;
}

function withData(like: Leaf, data: Float64Array): Leaf {
  return typeof like === 'number' ? data[0]! : f64(data, like.shape);
}

/** The tangent at `path` below a tangent; zeros stay zeros, a missing field is a zero. */
function tangentAt(tangent: unknown, path: Path): unknown {
  let current = unthunk(tangent);
  for (const key of path) {
    if (current === undefined || isZero(current)) return ZeroTangent;
    if (!isTangent(current)) return undefined;
    current = unthunk((current as Tangent<Record<PropertyKey, unknown>>).get(key as never));
  }
  return current;
}

/** The elements of a tangent leaf for a primal leaf of `like`'s size, or `undefined` for a zero. */
function readLeaf(tangent: unknown, like: Leaf, what: string, where: string): ArrayLike<number> | undefined {
  const t = unthunk(tangent);
  if (t === undefined || isZero(t)) return undefined;
  const n = sizeOf(like);
  if (typeof t === 'number' && (n === 1 || typeof like === 'number')) return [t];
  if (typeof t === 'number') return new Float64Array(n).fill(t);
  if (isF64Array(t) && t.data.length === n) return t.data;
  throw new RuleError('tangent-mismatch', {
    message: `the ${what} at ${where} is ${isF64Array(t) ? `an array of ${t.data.length} elements` : typeof t} for a value of ${n} element(s).`,
    fix: `Pass a number or an F64Array of the value's shape (or a Tangent of its fields for a record).`,
  });
}

/** A tangent of `primal`'s structure with the leaves given by `leafOf`; `NoTangent` where nothing is differentiable. */
function buildTangent(primal: unknown, leafOf: (path: Path, leaf: Leaf) => unknown, path: Path = [], depth = 0): unknown {
  if (isLeaf(primal)) return leafOf(path, primal);
  if (depth > 32) return NoTangent;
  if (Array.isArray(primal)) {
    const items = primal.map((item: unknown, i) => buildTangent(item, leafOf, [...path, i], depth + 1));
    return items.every((item) => item === NoTangent) ? NoTangent : new Tangent(items as never);
  }
  if (isRecord(primal)) {
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(primal)) {
      const field = buildTangent(primal[key], leafOf, [...path, key], depth + 1);
      if (field !== NoTangent) fields[key] = field;
    }
    return Object.keys(fields).length === 0 ? NoTangent : new Tangent(fields);
  }
  return NoTangent;
}

function label(path: Path, root: string): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${key}`), root);
}

/**
 * `rruleViaAd` and `fruleViaAd` computed in float64 by finite differences of the function, for
 * a config whose values are numbers and {@link F64Array}s (records and tuples of them too).
 *
 * - `rruleViaAd(f, ...args)` returns `[y, pullback]`; `pullback(ȳ)` returns
 *   `[f̄, ...x̄]` — `f̄` is `NoTangent` (finite differences move the arguments only, never what
 *   `f` closes over), each `x̄` a number, an array, or a `Tangent` of a record's or tuple's
 *   differentiable fields (so a trailing options object gets its `Tangent` in its slot), and
 *   `NoTangent` where nothing is differentiable (a string, a function). The Jacobian is
 *   estimated at the first call of the pullback and kept: calling it again costs a product.
 * - `fruleViaAd([ḟ, ...ẋ], f, ...args)` returns `[y, ẏ]` with `ẏ` of `y`'s structure.
 *
 * @example
 * ```ts
 * const { rruleViaAd } = finiteDifferenceAd({ step: 1e-3, order: 6 });
 * const [y, pullback] = rruleViaAd!((x: number, o: { c: number }) => x * o.c, 2, { c: 3 });
 * pullback(1); // [NoTangent, ≈3, Tangent { c: ≈2 }]
 * ```
 */
export function finiteDifferenceAd(settings: FiniteDifferenceSettings = {}): Pick<RuleConfig, 'rruleViaAd' | 'fruleViaAd'> {
  const step = settings.step ?? 1e-3;
  const order = settings.order ?? 6;
  const weights = STENCILS[order];
  if (weights === undefined || !(step > 0) || !Number.isFinite(step)) {
    throw new RuleError('invalid-option', {
      message: `finite-difference settings need a positive finite step and an order of 2, 4, 6 or 8, got step ${String(step)}, order ${String(order)}.`,
      fix: 'Pass for example { step: 1e-3, order: 6 }.',
    });
  }

  /** (1/h)·Σₖ wₖ·(f(x + k·h·v) − f(x − k·h·v)) for each output element, with `moved(t)` = f(x + t·v)'s leaves. */
  const stencil = (moved: (t: number) => LeafAt[], outputs: readonly LeafAt[]): Float64Array[] => {
    const slopes = outputs.map(({ value }) => new Float64Array(sizeOf(value)));
    weights.forEach((w, i) => {
      const k = i + 1;
      const plus = moved(k * step);
      const minus = moved(-k * step);
      outputs.forEach(({ path }, j) => {
        const p = plus[j];
        const m = minus[j];
        if (p === undefined || m === undefined || p.path.join('.') !== path.join('.') || sizeOf(p.value) !== slopes[j]!.length || sizeOf(m.value) !== slopes[j]!.length) {
          throw new RuleError('tangent-mismatch', {
            message: `the function's output changed structure when its inputs moved by ${String(k * step)} (at ${label(path, 'y')}): finite differences cannot differentiate it there.`,
            fix: 'Make the output structure independent of the values, or lower the finite-difference step.',
          });
        }
        const pd = dataOf(p.value);
        const md = dataOf(m.value);
        const s = slopes[j]!;
        for (let e = 0; e < s.length; e++) s[e]! += (w * (pd[e]! - md[e]!)) / step;
      });
    });
    return slopes;
  };

  const inputsOf = (args: readonly unknown[]): { index: number; leaf: LeafAt }[] =>
    args.flatMap((arg, index) => leavesOf(arg).map((leaf) => ({ index, leaf })));

  const rruleViaAd = (f: AnyFn, ...args: unknown[]): readonly [unknown, (cotangent: unknown) => unknown[]] => {
    const call = f as (...input: unknown[]) => unknown;
    const y = call(...args);
    const outputs = leavesOf(y);
    const inputs = inputsOf(args);
    // jacobian[input][element] = the outputs' slopes along that element (computed once, on demand).
    let jacobian: Float64Array[][][] | undefined;
    const estimate = (): Float64Array[][][] =>
      inputs.map(({ index, leaf }) =>
        Array.from({ length: sizeOf(leaf.value) }, (_, e) =>
          stencil((t) => {
            const data = Float64Array.from(dataOf(leaf.value));
            data[e]! += t;
            const moved = [...args];
            moved[index] = replaceAt(args[index], leaf.path, withData(leaf.value, data));
            return leavesOf(call(...moved));
          }, outputs),
        ),
      );
    const pullback = (cotangent: unknown): unknown[] => {
      const ybar = outputs.map(({ path, value }) => readLeaf(tangentAt(cotangent, path), value, 'cotangent', label(path, 'y')));
      jacobian ??= estimate();
      const grads = inputs.map((_, i) =>
        jacobian![i]!.map((slopes) => {
          let sum = 0;
          slopes.forEach((s, j) => {
            const w = ybar[j];
            if (w === undefined) return;
            for (let e = 0; e < s.length; e++) sum += w[e]! * s[e]!;
          });
          return sum;
        }),
      );
      return [
        NoTangent,
        ...args.map((arg, index) =>
          buildTangent(arg, (path, leaf) => {
            const i = inputs.findIndex((input) => input.index === index && input.leaf.path.join('\u0000') === path.join('\u0000'));
            return withData(leaf, Float64Array.from(grads[i]!));
          }),
        ),
      ];
    };
    return [y, pullback] as const;
  };

  const fruleViaAd = (tangents: readonly unknown[], f: AnyFn, ...args: unknown[]): readonly [unknown, unknown] => {
    const call = f as (...input: unknown[]) => unknown;
    if (!Array.isArray(tangents) || tangents.length !== args.length + 1) {
      throw new RuleError('wrong-slot-count', {
        message: `fruleViaAd takes one tangent per argument, the function's first: ${args.length + 1} for ${args.length} argument(s), got ${Array.isArray(tangents) ? tangents.length : typeof tangents}.`,
        fix: 'Pass [NoTangent, ẋ₁, ẋ₂, …].',
      });
    }
    const y = call(...args);
    const outputs = leavesOf(y);
    const directions = inputsOf(args).flatMap(({ index, leaf }) => {
      const v = readLeaf(tangentAt(tangents[index + 1], leaf.path), leaf.value, 'tangent', label(leaf.path, `args[${index}]`));
      return v === undefined ? [] : [{ index, leaf, v }];
    });
    if (directions.length === 0) return [y, ZeroTangent] as const;
    const slopes = stencil((t) => {
      const moved = [...args];
      for (const { index, leaf, v } of directions) {
        const data = Float64Array.from(dataOf(leaf.value));
        for (let e = 0; e < data.length; e++) data[e]! += t * v[e]!;
        moved[index] = replaceAt(moved[index], leaf.path, withData(leaf.value, data));
      }
      return leavesOf(call(...moved));
    }, outputs);
    const ydot = buildTangent(y, (path, leaf) => {
      const j = outputs.findIndex((output) => output.path.join('\u0000') === path.join('\u0000'));
      return withData(leaf, slopes[j]!);
    });
    return [y, ydot === NoTangent ? ZeroTangent : ydot] as const;
  };

  return { rruleViaAd: rruleViaAd as RuleConfig['rruleViaAd'], fruleViaAd: fruleViaAd as RuleConfig['fruleViaAd'] };
}

/**
 * `config` with `rruleViaAd` / `fruleViaAd` by finite differences ({@link finiteDifferenceAd}),
 * for rules checked in float64 that call back into the engine.
 *
 * @example
 * ```ts
 * const cfg = withFiniteDifferenceAd(numberConfig, { step: 1e-4, order: 8 });
 * testRrule(fixedPoint, [g, 0, { params: 2 }], { config: cfg });
 * ```
 */
export function withFiniteDifferenceAd<A>(config: RuleConfig<A>, settings: FiniteDifferenceSettings = {}): RuleConfig<A> {
  const { xp, engine, canReverse, canForward } = config;
  return ruleConfig<A>({ xp, engine, canReverse, canForward, ...finiteDifferenceAd(settings) });
}
