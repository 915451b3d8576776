/**
 * The array types of installed engines, filled in by adapters through declaration merging so
 * that tangent types admit them:
 *
 * @example
 * ```ts
 * declare module '@chainrules/core' {
 *   interface ArrayTypes { tfjs: import('@tensorflow/tfjs-core').Tensor }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- empty until adapters declare their array types into it
export interface ArrayTypes {}

/** The union of the array types in {@link ArrayTypes}; `never` while none is declared. */
export type EngineArray = ArrayTypes[keyof ArrayTypes];

declare const ABSTRACT_ARRAY: unique symbol;

/**
 * The array type of a rule written for every engine (Julia's `AbstractArray`): inside such a
 * rule, a value that may be an array of any engine has this type. It has no members, so the
 * rule can only hand it to `xp`, the rule's `ArrayApi<AbstractArray>`: `w * 2` does not
 * compile (at run time `w` may be a tensor), and neither does an engine's own operation
 * (`tf.sum(w)`), which another engine's arrays would not survive.
 *
 * No value has this type at run time: a rule's function whose parameters are
 * {@link Differentiable} (or a type parameter constrained by it) is checked once against it,
 * and then runs on numbers and on every engine's arrays.
 *
 * @example
 * ```ts
 * function scaledImpl<T extends Differentiable>(x: T, { k = 1 }: { k?: number | Widen<T> } = {}): Widen<T> { … }
 * defineRule(scaledImpl, {
 *   kwargs: z.object({ k: kw.diff().default(1) }),
 *   // x and k are AbstractArray | number here, and cfg.xp is an ArrayApi<AbstractArray>.
 *   rrule: (cfg, { k }, x) => [cfg.xp.multiply(k, x), (dy) => ({ args: [cfg.xp.multiply(dy, k)], kwargs: new Tangent({ k: cfg.xp.multiply(dy, x) }) })],
 * });
 * ```
 */
export interface AbstractArray {
  /** A brand only the type has: no value is an `AbstractArray` at run time. */
  readonly [ABSTRACT_ARRAY]: 'AbstractArray';
}

/**
 * The type a function returns for an input of type `T`, and the type its array-valued options
 * take: `number` for a number (a literal type such as `1` widened), the engine's array type for
 * an engine array — the engine's base type as its adapter declares it in {@link ArrayTypes},
 * so that a `tf.Tensor1D` input accepts a scalar `tf.Tensor` centre — and `T` itself for a
 * type no adapter declares (such as {@link AbstractArray}).
 *
 * @example
 * ```ts
 * type A = Widen<1>;           // number
 * type B = Widen<tf.Tensor1D>; // tf.Tensor (with @chainrules/tfjs)
 * ```
 */
export type Widen<T> = T extends number
  ? number
  : // The ArrayTypes member T belongs to, if any (never for a value no adapter declares).
    { [K in keyof ArrayTypes]: [T] extends [ArrayTypes[K]] ? ArrayTypes[K] : never }[keyof ArrayTypes] extends infer E
    ? [E] extends [never]
      ? T
      : E
    : never;
