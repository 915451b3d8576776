import { adapterOf } from '../engines/adapters';
import { SEARCH_DEPTH } from '../engines/search';
import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import type { Differentiable } from '../tangents/tangent';

/*
 * The values of a `kw.tree()` option: a number, an engine array, or plain records and lists of
 * them (`{ w, b }`, `[w1, w2]`, nested). Each leaf is differentiable; the containers are data.
 */

/**
 * A value a `kw.tree()` option takes: a number or an engine array, or plain records and lists
 * of them, nested (`{ layer: { w, b }, scale }`).
 *
 * @example
 * ```ts
 * const params: DifferentiableTree = { w: [1, 2], b: 0.5 };
 * ```
 */
export type DifferentiableTree = Differentiable | readonly DifferentiableTree[] | { readonly [key: string]: DifferentiableTree };

/** True for the values a `kw.diff()` field accepts: numbers and arrays an installed adapter owns. */
export function isDifferentiableValue(value: unknown): value is Differentiable {
  return typeof value === 'number' || adapterOf(value) !== undefined;
}

/** What a caller passed of a tree: `true` for a leaf, the keys holding leaves for a container (the shape of `Passed`). */
export type PassedTree = true | { readonly [key: string]: PassedTree };

/** Keys an options object, or a record inside one, may never carry: they reach prototypes in careless code. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a value is not a tree: where below the field, and what. */
interface TreeProblem {
  readonly path: readonly (string | number)[];
  readonly reason: 'leaf' | 'forbidden-key' | 'hidden-key' | 'cycle' | 'depth';
}

/**
 * Reads a tree once: a copy of its containers (the leaves shared; a getter runs once, a later
 * change to the caller's records does not reach the copy), or why it is not a tree — a leaf that
 * is not differentiable, a forbidden key, a field that is not an enumerable string key (a
 * non-enumerable or symbol key, a hole, an extra property of a list: its value would be left
 * out), a cycle, nesting deeper than a search goes.
 */
function readTree(value: unknown): { readonly tree: unknown } | { readonly problem: TreeProblem } {
  const within = new Set<object>();
  let problem: TreeProblem | undefined;
  const walk = (node: unknown, path: (string | number)[]): unknown => {
    const list = Array.isArray(node);
    if (!list && !isPlainObject(node)) return isDifferentiableValue(node) ? node : (problem = { path, reason: 'leaf' });
    const keys: (string | number)[] = list ? [...(node as unknown[]).keys()] : Object.keys(node as object);
    problem =
      within.has(node as object) ? { path, reason: 'cycle' }
      : path.length >= SEARCH_DEPTH ? { path, reason: 'depth' }
      : Reflect.ownKeys(node as object).length - Number(list) !== keys.length || keys.some((key) => !(key in (node as object))) ? { path, reason: 'hidden-key' }
      : undefined;
    within.add(node as object);
    const out = (list ? [] : {}) as Record<string | number, unknown>;
    for (let i = 0; problem === undefined && i < keys.length; i++) {
      const key = keys[i]!;
      if (FORBIDDEN_KEYS.has(key as string)) problem = { path: [...path, key], reason: 'forbidden-key' };
      else out[key] = walk((node as Record<string | number, unknown>)[key], [...path, key]);
    }
    within.delete(node as object);
    return out;
  };
  const tree = walk(value, []);
  return problem === undefined ? { tree } : { problem };
}

/** True for a value a `kw.tree()` field accepts (see {@link DifferentiableTree}). */
export function isDifferentiableTree(value: unknown): value is DifferentiableTree {
  return 'tree' in readTree(value);
}

/** A tree's copy, read once (see `readTree`); a value that is not a tree as it is, for the check to refuse. */
export function copyTree(value: unknown): unknown {
  const read = readTree(value);
  return 'tree' in read ? read.tree : value;
}

/** What a caller passed for a tree option: `true` for a leaf, the keys holding leaves for a container; `undefined` when it holds none. */
export function passedTree(value: unknown): PassedTree | undefined {
  if (!Array.isArray(value) && !isPlainObject(value)) return true;
  const passed: Record<string, PassedTree> = {};
  for (const key of Object.keys(value)) {
    const inner = passedTree((value as Record<string, unknown>)[key]);
    if (inner !== undefined) passed[key] = inner;
  }
  return Object.keys(passed).length > 0 ? passed : undefined;
}

const REFUSALS = {
  'forbidden-key': ['forbidden-option-key', 'a record inside the option carries a key that could reach a prototype.', 'Remove it; option values are plain data.'],
  'hidden-key': ['invalid-option', 'a record or a list inside the option has a field that is not an enumerable string key (a non-enumerable or symbol key, a hole): its value would get no derivative.', 'Pass plain records and lists: { w, b } or [w1, w2].'],
  cycle: ['unsupported', 'a record or a list inside the option holds itself (a cycle).', 'Pass a tree without cycles.'],
  depth: ['unsearchable', `the option is nested deeper than ${SEARCH_DEPTH} levels, so a value inside it could get no derivative.`, 'Flatten the records the option holds.'],
} as const;

/** The coded refusal of a tree option's value, or `undefined` when zod's report says it best (a wrong leaf). */
export function treeRefusal(value: unknown, slot: string, rule: string): RuleError | undefined {
  const read = readTree(value);
  if ('tree' in read || read.problem.reason === 'leaf') return undefined;
  const [code, message, fix] = REFUSALS[read.problem.reason];
  return new RuleError(code, { rule, slot: read.problem.path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${key}`), slot), message, fix });
}
