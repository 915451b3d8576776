import type { Adapter } from '@chainrules/core';

/**
 * What an engine may be unable to do; each names a group of cases that is skipped (and reported
 * as skipped, with the reason in its title) when listed in the `cannot` option of
 * `describeAdapterConformance`:
 *
 * - `'reverse'`: reverse mode (`grads`); skips the higher orders too.
 * - `'forward'`: forward mode (`jvp`).
 * - `'second-order'`: `grads(grads(f))`; skips the third order too.
 * - `'third-order'`: `grads(grads(grads(f)))`.
 *
 * @example
 * ```ts
 * const cannot: ConformanceCapability[] = ['forward']; // TF.js has no forward mode
 * ```
 */
export type ConformanceCapability = 'reverse' | 'forward' | 'second-order' | 'third-order';

/**
 * A tree of engine arrays: an array, or plain records and lists of trees — a parameter record
 * `{ w, b }`, a tuple of outputs `[energy, forces]`, nested as deep as needed.
 *
 * @example
 * ```ts
 * const params: ArrayTree<tf.Tensor> = { layer: { w: tf.ones([3]), b: tf.scalar(0) }, scale: tf.scalar(2) };
 * ```
 */
export type ArrayTree<A> = A | readonly ArrayTree<A>[] | { readonly [key: string]: ArrayTree<A> };

/**
 * An engine as the conformance suite drives it: its adapter, how to make and read its arrays,
 * and its differentiation transforms. `A` is the engine's array type.
 *
 * The suite makes a fresh array (`array`) for every engine call and reads (`read`) each array
 * at most once. It owns the arrays it makes and the ones it gets back (gradients, `jvp`
 * outputs, results of rule-aware calls outside differentiation), and hands each of them to
 * `dispose`, exactly once, at the end of every case — before `around`'s check, which therefore
 * counts only what the adapter allocated. The hooks borrow those arrays: with `dispose`,
 * `read`, `grads` and `jvp` must leave their arguments alive (an engine whose calls consume
 * their arguments, like jax-js, passes `x.ref`). Where the suite hands an array to a rule-aware
 * function and keeps it, or hands one array more than once, it hands `ref(x)` (see `ref`).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import { expect } from 'vitest';
 * import { treeLeaves, treeWith } from '@chainrules/core/adapter';
 * import { describeAdapterConformance } from '@chainrules/testing/conformance';
 * import type { ConformanceEngine } from '@chainrules/testing/conformance';
 *
 * const engine: ConformanceEngine<tf.Tensor> = {
 *   adapter: tfjsAdapter,
 *   array: (value) => tf.tensor(value as number | number[], undefined, 'float32'),
 *   read: (x) => ({ shape: x.shape, data: Array.from(x.dataSync()) }),
 *   dispose: (x) => x.dispose(),
 *   grads: (f) => (...xs) => tf.grads((...ys) => f(...ys))(xs),
 *   gradTree: (f) => (tree) => {
 *     const leaves = treeLeaves(tree).map((leaf) => leaf.value as tf.Tensor);
 *     return treeWith(tree, tf.grads((...xs: tf.Tensor[]) => f(treeWith(tree, xs)))(leaves));
 *   },
 *   around: () => {
 *     const before = tf.memory().numTensors;
 *     return () => expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
 *   },
 * };
 * describeAdapterConformance(engine, { cannot: ['forward'], rtol: 1e-4 });
 * ```
 */
export interface ConformanceEngine<A> {
  /** The adapter under test. The suite installs it before its cases (unless it is installed already) and uninstalls it after them. */
  readonly adapter: Adapter<A>;
  /** A float engine array from float64 values: a number (shape `[]`) or nested lists of numbers. */
  array(value: number | readonly unknown[]): A;
  /** The shape and the values (row-major) of an engine array. With `dispose`, it must leave `x` alive (jax-js: read `x.ref`). */
  read(x: A): { shape: readonly number[]; data: readonly number[] };
  /**
   * Optional: releases an array the suite is done with, so that a leak check in `around` sees
   * only the adapter's own allocations. Called exactly once on every array the suite made with
   * `array` (those it passed to `grads` or `jvp` too) and on every array it got back (the
   * gradients of `grads`, after they were read; both outputs of `jvp`; the results of
   * rule-aware calls it read), at the end of each case, before `around`'s check. Arrays made
   * inside a transform by the engine (the inner gradients of `grads(grads(f))`) are not the
   * suite's and are never passed here. Leave it out for a garbage-collected engine; an error
   * it throws fails the case.
   *
   * @example
   * ```ts
   * // TF.js: `tf.memory().numTensors` in `around` then counts the adapter's tensors only.
   * const tfEngine: ConformanceEngine<tf.Tensor> = { ...engine, dispose: (x) => x.dispose() };
   * // jax-js (reference counts): read and transform through `x.ref`, so that dispose drops the last reference.
   * const jaxEngine: ConformanceEngine<jax.Array> = {
   *   ...engine,
   *   read: (x) => ({ shape: x.shape, data: Array.from(x.ref.dataSync()) }),
   *   dispose: (x) => x.dispose(),
   * };
   * ```
   */
  dispose?(x: A): void;
  /**
   * Optional, for an engine whose functions consume their arguments (jax-js, where rule-aware
   * functions do too): one more reference to `x` (`x.ref`). The suite calls it where it hands a
   * rule-aware function an array it keeps, or one array more than once (`foo(a, a, { c: a })`).
   * Leave it out when the engine's functions borrow their arguments.
   *
   * @example
   * ```ts
   * const jaxEngine: ConformanceEngine<jax.Array> = { ...engine, ref: (x) => x.ref };
   * ```
   */
  ref?(x: A): A;
  /**
   * Reverse mode: the gradients of a scalar function with respect to each of its inputs, each
   * of its input's shape. Must nest (`grads(x => grads(f)(x)[0])`) unless the engine declares
   * `'second-order'` in `cannot`. Leave it out only with `cannot: ['reverse']`.
   */
  grads?(f: (...xs: A[]) => A): (...xs: A[]) => A[];
  /**
   * Reverse mode with respect to one tree argument, in the engine's own tree form: the gradient
   * of a scalar function of a record or list of arrays (nested: `{ params: { w, b }, x }`),
   * shaped like that tree (jax-js: `grad(f)(tree)`; an engine without trees: its leaves
   * through `grads`, put back with `treeWith`). Leaves the tree's arrays alive, as `grads`
   * does. Leave it out only with `cannot: ['reverse']`.
   *
   * @example
   * ```ts
   * gradTree: (f) => (tree) => {
   *   const leaves = treeLeaves(tree).map((leaf) => leaf.value as tf.Tensor);
   *   return treeWith(tree, tf.grads((...xs: tf.Tensor[]) => f(treeWith(tree, xs)))(leaves));
   * },
   * ```
   */
  gradTree?(f: (tree: ArrayTree<A>) => A): (tree: ArrayTree<A>) => ArrayTree<A>;
  /** Forward mode: `[f(...primals), the directional derivative along tangents]`. Leave it out only with `cannot: ['forward']`. */
  jvp?(f: (...xs: A[]) => A, primals: readonly A[], tangents: readonly A[]): [A, A];
  /**
   * Forward mode on trees: `[f(primals), its tangent along tangents]` for a function of one
   * tree argument whose output is a tree too (a tuple or a record of arrays), both shaped like
   * its output (jax-js: `jvp(f, [primals], [tangents])`). `primals` and `tangents` are trees of
   * the same shape; it leaves them alive. Leave it out only with `cannot: ['forward']`.
   */
  jvpTree?(f: (tree: ArrayTree<A>) => ArrayTree<A>, primals: ArrayTree<A>, tangents: ArrayTree<A>): [ArrayTree<A>, ArrayTree<A>];
  /** Runs once before the suite (after vitest's collection), e.g. `await init('wasm')`. */
  setup?(): void | Promise<void>;
  /**
   * Runs around every case: called before it, and the check it returns is run after it (and
   * after the suite disposed its arrays), also when the case failed (leak checks:
   * `tf.memory().numTensors`, reference counts, an engine left recording). A check that throws
   * fails the case.
   */
  around?(): (() => void | Promise<void>) | void;
}
