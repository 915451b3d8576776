/** Options of the reductions: the axes to reduce (all when absent) and whether to keep them. */
export interface ReduceOptions {
  readonly axis?: number | readonly number[] | undefined;
  readonly keepdims?: boolean | undefined;
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

  add(x: A | number, y: A | number): A;
  subtract(x: A | number, y: A | number): A;
  multiply(x: A | number, y: A | number): A;
  divide(x: A | number, y: A | number): A;
  pow(x: A | number, y: A | number): A;
  maximum(x: A | number, y: A | number): A;
  minimum(x: A | number, y: A | number): A;

  greater(x: A | number, y: A | number): B;
  greaterEqual(x: A | number, y: A | number): B;
  less(x: A | number, y: A | number): B;
  lessEqual(x: A | number, y: A | number): B;
  equal(x: A | number, y: A | number): B;
  notEqual(x: A | number, y: A | number): B;
  /** Elementwise `condition ? x : y`, broadcasting all three. */
  where(condition: B | boolean, x: A | number, y: A | number): A;

  negative(x: A | number): A;
  abs(x: A | number): A;
  sign(x: A | number): A;
  sqrt(x: A | number): A;
  square(x: A | number): A;
  exp(x: A | number): A;
  expm1(x: A | number): A;
  log(x: A | number): A;
  log1p(x: A | number): A;
  sin(x: A | number): A;
  cos(x: A | number): A;
  tanh(x: A | number): A;

  sum(x: A | number, options?: ReduceOptions): A;
  mean(x: A | number, options?: ReduceOptions): A;
  prod(x: A | number, options?: ReduceOptions): A;
  max(x: A | number, options?: ReduceOptions): A;
  min(x: A | number, options?: ReduceOptions): A;

  reshape(x: A | number, shape: readonly number[]): A;
  broadcastTo(x: A | number, shape: readonly number[]): A;
  /** Inserts an axis of length one at `axis`. */
  expandDims(x: A | number, axis: number): A;
  /** Permutes the axes (`permute_dims` in the standard); reverses them when `axes` is absent. */
  transpose(x: A | number, axes?: readonly number[]): A;
  matmul(x: A | number, y: A | number): A;
}
