import type { ArrayTypes, Differentiable } from '@chainrules/core';

/**
 * The type a rule returns for an input of type `T`, and the type its array-valued options
 * take: `number` for a number (a literal type such as `1` widened), the engine's array type
 * for an engine array — the engine's base type as its adapter declares it in `ArrayTypes`, so
 * that a `tf.Tensor1D` input accepts a scalar `tf.Tensor` centre.
 *
 * @example
 * ```ts
 * type A = Widen<1>;           // number
 * type B = Widen<tf.Tensor1D>; // tf.Tensor
 * ```
 */
export type Widen<T extends Differentiable> = T extends number
  ? number
  : // The ArrayTypes member T belongs to, if any (never for a value no adapter declares).
    { [K in keyof ArrayTypes]: [T] extends [ArrayTypes[K]] ? ArrayTypes[K] : never }[keyof ArrayTypes] extends infer E
    ? [E] extends [never]
      ? T
      : E
    : never;
