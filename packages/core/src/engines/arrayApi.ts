/** Options of the reductions: the axes to reduce (all when absent) and whether to keep them. */
export interface ReduceOptions {
  /** The axes to reduce (negative counts from the end); all when absent. */
  readonly axis?: number | readonly number[] | undefined;
  /** Keep the reduced axes with length one (default `false`). */
  readonly keepdims?: boolean | undefined;
}

/**
 * What {@link ArrayApi.scope} returns: the body's result, and a way to free it early.
 */
export interface Scoped<T> {
  /** What the body returned. */
  readonly value: T;
  /**
   * Frees the arrays of `value` that the body made (an array it returned as it was handed, or
   * one that existed before, is left alone). Call it once nothing reads those arrays any more;
   * calling it again does nothing. Not calling it is never wrong: they are then freed whenever
   * the enclosing code's arrays are.
   */
  release(): void;
}

/**
 * The array namespace a rule computes with: a subset of the Python Array API standard, with
 * its names in camelCase. `A` is the engine's array type, `B` its boolean array type. Binary
 * operations take a plain number on either side (`xp.multiply(2, x)`).
 *
 * Rules get one from `cfg.xp` or {@link namespaceOf}; adapters supply one for their engine;
 * {@link numberApi} is the one for plain numbers.
 *
 * @example
 * ```ts
 * function fooImpl(a: number, b: number, { c = 42 } = {}) {
 *   const xp = namespaceOf(a, b, c);
 *   return xp.multiply(xp.multiply(a, b), c);
 * }
 * ```
 */
export interface ArrayApi<A = unknown, B = A> {
  /** The engine's name, as in `RuleConfig.engine`. */
  readonly name: string;

  /** An array from a number, nested number arrays or an array of this namespace. */
  asarray(value: A | number | readonly unknown[]): A;
  /** Zeros of `x`'s shape and floating dtype. */
  zerosLike(x: A | number): A;
  /** Ones of `x`'s shape and floating dtype. */
  onesLike(x: A | number): A;
  /** The shape of `x` (`[]` for a scalar). */
  shape(x: A | number): readonly number[];
  /**
   * The value of a one-element array (or of a number) as a plain number: a read on the host,
   * which waits for the engine. Optional (not in the Array API standard, whose analog is
   * `float(x)`): iterative rules need it to decide when to stop, and refuse to run without it.
   */
  toNumber?(x: A | number): number;
  /**
   * Runs `body` and frees, when it returns (or throws), every array it made but the ones in
   * what it returns (a value, or a tuple or a record of them); `release()` frees those later.
   * Optional, for loops in engine-neutral code: an engine that frees arrays explicitly (TF.js,
   * jax-js) would otherwise keep every iterate until the rule returns. Absent where memory is
   * garbage collected. Arrays the engine still needs (recorded for a gradient, traced) are kept
   * by the engine itself, so `body` may be any code written with `xp`.
   *
   * @example
   * ```ts
   * const { value: next, release } = xp.scope?.(() => step(x)) ?? { value: step(x), release: () => {} };
   * // … once `x`'s successor `next` is known not to be `x` itself, drop the step that made `x`.
   * ```
   */
  scope?<T>(body: () => T): Scoped<T>;

  /** Elementwise `x + y`, broadcasting. */
  add(x: A | number, y: A | number): A;
  /** Elementwise `x - y`, broadcasting. */
  subtract(x: A | number, y: A | number): A;
  /** Elementwise `x · y`, broadcasting. */
  multiply(x: A | number, y: A | number): A;
  /** Elementwise `x / y`, broadcasting. */
  divide(x: A | number, y: A | number): A;
  /** Elementwise `x ** y`, broadcasting. */
  pow(x: A | number, y: A | number): A;
  /** Elementwise maximum, broadcasting. */
  maximum(x: A | number, y: A | number): A;
  /** Elementwise minimum, broadcasting. */
  minimum(x: A | number, y: A | number): A;

  /** Elementwise `x > y`, broadcasting. */
  greater(x: A | number, y: A | number): B;
  /** Elementwise `x >= y`, broadcasting. */
  greaterEqual(x: A | number, y: A | number): B;
  /** Elementwise `x < y`, broadcasting. */
  less(x: A | number, y: A | number): B;
  /** Elementwise `x <= y`, broadcasting. */
  lessEqual(x: A | number, y: A | number): B;
  /** Elementwise `x === y`, broadcasting. */
  equal(x: A | number, y: A | number): B;
  /** Elementwise `x !== y`, broadcasting. */
  notEqual(x: A | number, y: A | number): B;
  /** Elementwise `condition ? x : y`, broadcasting all three. */
  where(condition: B | boolean, x: A | number, y: A | number): A;

  /** Elementwise `-x`. */
  negative(x: A | number): A;
  /** Elementwise `|x|`. */
  abs(x: A | number): A;
  /** Elementwise sign: -1, 0 or 1. */
  sign(x: A | number): A;
  /** Elementwise square root. */
  sqrt(x: A | number): A;
  /** Elementwise `x²`. */
  square(x: A | number): A;
  /** Elementwise `eˣ`. */
  exp(x: A | number): A;
  /** Elementwise `eˣ - 1`, accurate near 0. */
  expm1(x: A | number): A;
  /** Elementwise natural logarithm. */
  log(x: A | number): A;
  /** Elementwise `log(1 + x)`, accurate near 0. */
  log1p(x: A | number): A;
  /** Elementwise sine. */
  sin(x: A | number): A;
  /** Elementwise cosine. */
  cos(x: A | number): A;
  /** Elementwise hyperbolic tangent. */
  tanh(x: A | number): A;

  /** The sum over `axis` (all axes when absent), keeping reduced axes with `keepdims`. */
  sum(x: A | number, options?: ReduceOptions): A;
  /** The mean over `axis` (all axes when absent), keeping reduced axes with `keepdims`. */
  mean(x: A | number, options?: ReduceOptions): A;
  /** The product over `axis` (all axes when absent), keeping reduced axes with `keepdims`. */
  prod(x: A | number, options?: ReduceOptions): A;
  /** The maximum over `axis` (all axes when absent), keeping reduced axes with `keepdims`. */
  max(x: A | number, options?: ReduceOptions): A;
  /** The minimum over `axis` (all axes when absent), keeping reduced axes with `keepdims`. */
  min(x: A | number, options?: ReduceOptions): A;

  /** The same elements in `shape` (one axis may be `-1`). */
  reshape(x: A | number, shape: readonly number[]): A;
  /** `x` broadcast to `shape`. */
  broadcastTo(x: A | number, shape: readonly number[]): A;
  /** Inserts an axis of length one at `axis`. */
  expandDims(x: A | number, axis: number): A;
  /** Permutes the axes (`permute_dims` in the standard); reverses them when `axes` is absent. */
  transpose(x: A | number, axes?: readonly number[]): A;
  /** The matrix product, with the Array API rules for 1-d operands and batch axes. */
  matmul(x: A | number, y: A | number): A;
}
