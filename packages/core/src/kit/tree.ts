import { SEARCH_DEPTH } from '../engines/search';
import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { isNotImplemented } from '../tangents/notImplemented';
import { Tangent, isTangent } from '../tangents/tangent';
import { thunk, unthunk } from '../tangents/thunk';
import { NoTangent, ZeroTangent, isZero } from '../tangents/zeros';

/*
 * Trees of values — a rule's output (`[energy, forces]`, `{ value, aux }`), a record or a tuple
 * argument (`predict(params, x)`): plain records and lists are containers, everything else is a
 * leaf. An adapter flattens a tree into leaves for its engine and puts the engine's values, or
 * per-leaf tangents, back into the tree's shape.
 */

/** One leaf of a tree: its value and its path from the tree's root (`[]` for a tree that is a leaf). */
export interface TreeLeaf {
  readonly value: unknown;
  readonly path: readonly (string | number)[];
}

/** Containers of a tree: plain records and lists (not engine values, class instances or Maps). */
export const isContainer = (value: unknown): value is Record<string, unknown> | unknown[] => Array.isArray(value) || isPlainObject(value);

/**
 * The leaves of `tree` in a stable order (lists by index, records in their own key order),
 * each with its path. A tree that is not a container is one leaf with the empty path. A tree
 * that holds itself is a `RuleError` (`unsupported`, with `where`'s rule and slot); one nested
 * deeper than 64 levels is `unsearchable`.
 *
 * @example
 * ```ts
 * treeLeaves([1, { f: 2 }]); // [{ value: 1, path: [0] }, { value: 2, path: [1, 'f'] }]
 * ```
 */
export function treeLeaves(tree: unknown, where: Pick<TreeContext, 'rule' | 'slot'> = {}): TreeLeaf[] {
  const out: TreeLeaf[] = [];
  const within = new Set<object>();
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (!isContainer(node)) {
      out.push({ value: node, path });
      return;
    }
    if (within.has(node)) throw cycle(where, path);
    if (path.length >= SEARCH_DEPTH) throw tooDeep(where);
    within.add(node);
    if (Array.isArray(node)) node.forEach((child, i) => walk(child, [...path, i]));
    else for (const key of Object.keys(node)) walk(node[key], [...path, key]);
    within.delete(node);
  };
  walk(tree, []);
  return out;
}

/** A tree nested deeper than a search goes is not split either (as `findValue` does not search it). */
function tooDeep(where: Pick<TreeContext, 'rule' | 'slot'>): RuleError {
  return new RuleError('unsearchable', {
    rule: where.rule,
    slot: where.slot,
    message: `a record or a list nested deeper than ${SEARCH_DEPTH} levels is not split into leaves, so a value inside it could get no derivative.`,
    fix: 'Flatten the value: pass arrays as arguments or as records nested less deeply.',
  });
}

/** A tree that holds itself has no leaves to list. */
function cycle(where: Pick<TreeContext, 'rule' | 'slot'>, path: readonly (string | number)[]): RuleError {
  return new RuleError('unsupported', {
    rule: where.rule,
    slot: pathName(where.slot, path) || undefined,
    message: 'a record or a list that holds itself (a cycle) cannot be split into leaves.',
    fix: 'Pass a tree without cycles: keep back references out of the values a rule is called with.',
  });
}

/**
 * `tree` with its leaves replaced by `values`, in the order of {@link treeLeaves}; containers are
 * copied, never mutated.
 *
 * @example
 * ```ts
 * treeWith([1, { f: 2 }], [10, 20]); // [10, { f: 20 }]
 * ```
 */
export function treeWith(tree: unknown, values: readonly unknown[]): unknown {
  let k = 0;
  const build = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(build);
    if (isPlainObject(node)) {
      const copy: Record<string, unknown> = {};
      for (const key of Object.keys(node)) {
        // A data key `__proto__` stays a field of the copy, never its prototype.
        if (key === '__proto__') Object.defineProperty(copy, key, { value: build(node[key]), enumerable: true, writable: true, configurable: true });
        else copy[key] = build(node[key]);
      }
      return copy;
    }
    return values[k++];
  };
  return build(tree);
}

/**
 * The tangent of `tree` whose leaves take `leafTangents` (in the order of {@link treeLeaves}): the
 * leaf's tangent itself for a tree that is one leaf, else `Tangent`s nested like the tree (backed
 * by lists for lists); `undefined` entries are `ZeroTangent`.
 *
 * @example
 * ```ts
 * treeTangent([1, { f: 2 }], [3, undefined]); // Tangent [3, Tangent { f: ZeroTangent }]
 * ```
 */
export function treeTangent(tree: unknown, leafTangents: readonly unknown[]): unknown {
  let k = 0;
  const build = (node: unknown): unknown => {
    if (Array.isArray(node)) return new Tangent(node.map(build) as never);
    if (isPlainObject(node)) {
      const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      for (const key of Object.keys(node)) fields[key] = build(node[key]);
      return new Tangent(fields);
    }
    return leafTangents[k++] ?? ZeroTangent;
  };
  return build(tree);
}

/** One leaf of a function's arguments that an engine differentiates: its argument, its index among that argument's leaves, and its value. */
export interface ArgumentInput<V> {
  readonly arg: number;
  readonly leaf: number;
  readonly value: V;
}

/** The differentiated leaves of a function's arguments, and the two ways back to arguments (see {@link argumentInputs}). */
export interface ArgumentInputs<V> {
  /** The leaves `isInput` accepted, argument by argument, in the order of {@link treeLeaves}. */
  readonly inputs: readonly ArgumentInput<V>[];
  /** The arguments with input `k` replaced by `values[k]` and every other leaf as it was (containers copied, never mutated). */
  withValues(values: readonly unknown[]): unknown[];
  /** One tangent per argument from one per input (`NoTangent` for the leaves that are not inputs), shaped like its argument. */
  tangents(perInput: readonly unknown[]): unknown[];
}

/**
 * The leaves of `args` (records and lists split, as {@link treeLeaves} does) that `isInput` accepts —
 * what an adapter differentiates when a rule hands it a function and its arguments
 * (`cfg.rruleViaAd(f, ...args)`) — with the arguments rebuilt from new input values and per-input
 * gradients put back as one tangent per argument. `rule` names the caller in errors (slot `args[i]`).
 *
 * @example
 * ```ts
 * const a = argumentInputs([2, { w: 3, name: 'x' }], (v): v is number => typeof v === 'number', 'rruleViaAd');
 * a.inputs.map((input) => input.value); // [2, 3]
 * a.withValues([20, 30]);               // [20, { w: 30, name: 'x' }]
 * a.tangents([1, 5]);                   // [1, Tangent { w: 5, name: NoTangent }]
 * ```
 */
export function argumentInputs<V>(args: readonly unknown[], isInput: (value: unknown) => value is V, rule: string): ArgumentInputs<V> {
  const leaves = args.map((arg, i) => treeLeaves(arg, { rule, slot: `args[${i}]` }).map((leaf) => leaf.value));
  const inputs: ArgumentInput<V>[] = [];
  /** For each argument, the input index of each of its leaves (−1: not an input). */
  const indices = leaves.map((values, arg) => values.map((value, leaf) => (isInput(value) ? inputs.push({ arg, leaf, value }) - 1 : -1)));
  const perArgument = (perInput: readonly unknown[], otherwise: (arg: number, leaf: number) => unknown): unknown[][] =>
    indices.map((of, arg) => of.map((k, leaf) => (k < 0 ? otherwise(arg, leaf) : perInput[k])));
  return {
    inputs,
    withValues: (values) => perArgument(values, (arg, leaf) => leaves[arg]![leaf]).map((values, i) => treeWith(args[i], values)),
    tangents: (perInput) => perArgument(perInput, () => NoTangent).map((values, i) => treeTangent(args[i], values)),
  };
}

/** Where a tree's tangent comes from, for the error when a differentiated leaf has none. */
export interface TreeContext {
  /** The rule's name. */
  readonly rule?: string | undefined;
  /** The tree's slot: `args[0]`, `output`. */
  readonly slot?: string | undefined;
  /**
   * What an absent field of a `Tangent` means: `'zero'` (a `Tangent`'s own reading: an absent
   * field is `ZeroTangent`) or `'missing'` (a pullback owes a tangent for every leaf of a record
   * argument: an absent one is `missing-tangent`, raised when that leaf's tangent is read).
   */
  readonly absent?: 'zero' | 'missing' | undefined;
}

/**
 * The tangent of each leaf of `tree` (in the order of {@link treeLeaves}) read from `tangent`, a
 * tangent of the whole tree: a zero of the tree gives zeros, a `Tangent` is read field by field.
 * With `absent: 'missing'`, a leaf whose field is absent gets a thunk that raises
 * `missing-tangent` (rule and slot) when it is evaluated — only where an engine needs it.
 *
 * @example
 * ```ts
 * leafTangents([1, { f: 2 }], new Tangent([3, new Tangent({ f: 4 })])); // [3, 4]
 * ```
 */
export function leafTangents(tree: unknown, tangent: unknown, where: TreeContext = {}): unknown[] {
  const out: unknown[] = [];
  const walk = (node: unknown, t: unknown, path: (string | number)[]): void => {
    const value = unthunk(t);
    if (!isContainer(node)) {
      out.push(value ?? ZeroTangent);
      return;
    }
    const keys: (string | number)[] = Array.isArray(node) ? node.map((_, i) => i) : Object.keys(node);
    for (const key of keys) {
      const child = (node as Record<string | number, unknown>)[key];
      if (value === undefined || isZero(value) || isNotImplemented(value)) {
        walk(child, value ?? ZeroTangent, [...path, key]);
        continue;
      }
      if (!isTangent(value)) {
        throw new RuleError('tangent-mismatch', {
          rule: where.rule,
          slot: pathName(where.slot, path),
          message: `the tangent of a record or a list is a Tangent of its fields, got ${String(value)}.`,
          fix: 'Return new Tangent({ …fields }) (new Tangent([…]) for a list).',
        });
      }
      const present = value.has(key);
      if (!present && where.absent === 'missing') {
        const slot = pathName(where.slot, [...path, key]);
        for (let i = treeLeaves(child).length; i > 0; i--) out.push(missing(where.rule, slot));
        continue;
      }
      walk(child, present ? (value.backing as Record<string | number, unknown>)[key] : ZeroTangent, [...path, key]);
    }
  };
  walk(tree, tangent, []);
  return out;
}

/** `path` below `slot`, as slots are written: `args[0].w`, `args[1][2]`, `kwargs.prior.mu` (keys as given: `RuleError` escapes its text). */
export function pathName(slot: string | undefined, path: readonly (string | number)[]): string {
  return path.reduce<string>((name, key) => (typeof key === 'number' ? `${name}[${key}]` : `${name}.${key}`), slot ?? '');
}

/** A tangent a pullback owed and did not give: an error when read. */
function missing(rule: string | undefined, slot: string): unknown {
  return thunk(() => {
    throw new RuleError('missing-tangent', {
      rule,
      slot,
      message: 'the pullback gave no tangent for this field of a record argument, which the engine differentiates.',
      fix: 'Return a Tangent with every field that holds a number or an engine array (ZeroTangent where the derivative is zero).',
    });
  });
}
