import type { Array as JaxArray } from '@jax-js/jax';
import { ruleCallOf } from '@chainrules/core/adapter';
import type { AnyFunction } from '@chainrules/core';

/**
 * The type of the tree {@link splitOptions} returns for options of type `O`: the fields that
 * hold jax-js arrays, nested records kept, strings, flags and numbers dropped. (At run time the
 * tree holds exactly the fields the schema marks `kw.diff()`, numbers included.)
 *
 * @example
 * ```ts
 * type T = OptionsTree<{ c: Array; mode: 'sum'; prior: { mu: Array } }>; // { c: Array; prior: { mu: Array } }
 * ```
 */
export type OptionsTree<O> = {
  [K in keyof O as NonNullable<O[K]> extends JaxArray ? K : NonNullable<O[K]> extends string | number | boolean | bigint | symbol ? never : K]: NonNullable<O[K]> extends JaxArray
    ? O[K]
    : OptionsTree<NonNullable<O[K]>>;
};

/**
 * Splits the options of rule-aware `f` into the tree jax-js should differentiate — the fields
 * the schema marks `kw.diff()`, nested as passed — and a function that puts the static fields
 * (strings, flags, numbers the schema marks static) back. Pass the tree to `grad`/`jvp`, and
 * the gradient comes back in the same plain shape; static fields never enter jax-js's tree,
 * where it would differentiate numbers and reject strings.
 *
 * @example
 * ```ts
 * const [tree, withStatic] = splitOptions(foo, { c: numpy.array(3), mode: 'sum' });
 * grad((t) => foo(numpy.array(2), numpy.array(3), withStatic(t)))(tree); // { c: 5 }
 * ```
 */
export function splitOptions<O extends object>(f: AnyFunction, options: O): [tree: OptionsTree<O>, withStatic: (tree: OptionsTree<O>) => O] {
  type Node = { [key: string]: unknown };
  const call = ruleCallOf(f, options);
  const leaves = call.leaves.flatMap((leaf) => (leaf.arg !== undefined ? [] : [{ path: leaf.path as readonly string[], value: leaf.value }]));
  const tree: Node = {};
  for (const leaf of leaves) {
    let record = tree;
    for (const key of leaf.path.slice(0, -1)) record = (record[key] ??= {}) as Node;
    record[leaf.path[leaf.path.length - 1]!] = leaf.value;
  }
  const read = (t: unknown, path: readonly string[]): unknown => path.reduce<unknown>((node, key) => (node as Node | undefined)?.[key], t);
  const withStatic = (t: OptionsTree<O>): O => call.rebuild(leaves.map((leaf) => read(t, leaf.path)))[0] as O;
  return [tree as OptionsTree<O>, withStatic];
}
