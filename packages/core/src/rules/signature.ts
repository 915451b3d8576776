import type { input } from 'zod/v4/core';
import type { AbstractArray, EngineArray } from '../engines/arrayTypes';
import type { IsDiffSchema } from '../options/kw';
import type { Differentiable, NonDifferentiableLeaf, Tangent } from '../tangents/tangent';
import type { AnyFunction } from './types';

/*
 * How a rule's types follow from its function and its schema: the array type the rule runs on
 * (`A`), what its arguments, options and output are inside the rule, which options it owes a
 * tangent for, and whether the schema fits the function's options parameter.
 */

// `0 extends 1 & T` is true for `any` only; `[...D, unknown]` is one level deeper, for the depth
// limits below (records and tuples nest; types need a bound).

/**
 * The array types at the leaves of `T` — numbers excluded, records and tuples searched four
 * levels deep — or `never`.
 */
export type ArraysIn<T, D extends unknown[] = []> = D['length'] extends 4
  ? never
  : T extends number | NonDifferentiableLeaf
    ? never
    : T extends AbstractArray | EngineArray
      ? T
      : // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Tangent of any fields
        T extends Tangent<any>
        ? never
        : T extends readonly (infer E)[]
          ? ArraysIn<E, [...D, unknown]>
          : T extends object
            ? { [K in keyof T]-?: ArraysIn<T[K], [...D, unknown]> }[keyof T]
            : never;

/**
 * The array type a rule for `F` runs on, read from `F`'s parameters and output:
 * {@link AbstractArray} when they are {@link Differentiable} (a function written for every
 * engine), the engine's array type when they name one (a rule for TF.js tensors), `number` when
 * they hold numbers only, and `any` when they are untyped.
 *
 * @example
 * ```ts
 * type A = RuleArrayOf<<T extends Differentiable>(x: T) => Widen<T>>; // AbstractArray
 * type B = RuleArrayOf<(x: number, opts?: { c?: number }) => number>; // number
 * ```
 */
export type RuleArrayOf<F extends AnyFunction> =
  ArraysIn<[...Parameters<F>, ReturnType<F>]> extends infer U
    ? 0 extends 1 & U
      ? // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped function runs on untyped arrays
        any
      : [U] extends [never]
        ? number
        : [Extract<U, AbstractArray>] extends [never]
          ? U
          : AbstractArray
    : never;

/**
 * What a value declared as `T` is inside a rule that runs on `A`: every union that holds
 * {@link AbstractArray} (`Differentiable`, a `kw.diff()` option) becomes `A | number`, in
 * records and tuples too; every other type stays as declared.
 *
 * @example
 * ```ts
 * type A = AtArray<Differentiable | undefined, tf.Tensor>; // tf.Tensor | number | undefined
 * type B = AtArray<{ w: Differentiable; mode: string }, AbstractArray>; // { w: AbstractArray | number; mode: string }
 * ```
 */
export type AtArray<T, A, D extends unknown[] = []> =
  0 extends 1 & T
    ? T
    : D['length'] extends 4
      ? T
      : [Extract<T, AbstractArray>] extends [never]
        ? [Extract<ArraysIn<T>, AbstractArray>] extends [never]
          ? T
          : // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a Tangent of any fields
            T extends NonDifferentiableLeaf | Tangent<any>
            ? T
            : { [K in keyof T]: AtArray<T[K], A, [...D, unknown]> }
        : Exclude<T, Differentiable> | A | number;

/** {@link AtArray} on each element of a tuple of arguments. */
export type ArgsAt<P extends readonly unknown[], A> = { [I in keyof P]: AtArray<P[I], A> };

/**
 * True when the kwargs schema `S` has a `kw.diff()` field (nested records included): the
 * pullback then owes the options' tangent, and its `kwargs` slot is required.
 */
export type HasDiffFields<S, D extends unknown[] = []> =
  0 extends 1 & S
    ? false
    : D['length'] extends 6
      ? false
      : IsDiffSchema<S> extends true
        ? true
        : S extends { readonly _zod: { readonly def: { readonly innerType: infer I } } }
          ? HasDiffFields<I, [...D, unknown]>
          : S extends { readonly _zod: { readonly def: { readonly shape: infer Shape } } }
            ? true extends { [K in keyof Shape]-?: HasDiffFields<Shape[K], [...D, unknown]> }[keyof Shape]
              ? true
              : false
            : false;

/** The options parameter of `F` (its last, `undefined` removed), or `never` without parameters. */
export type OptionsParamOf<F extends AnyFunction> = Required<Parameters<F>> extends [...unknown[], infer K] ? Exclude<K, undefined> : never;

/** True when `O` can be an options record: an object that is not a list, an array or a function. */
export type IsOptionsRecord<O> = [O] extends [never] ? false : [O] extends [readonly unknown[] | NonDifferentiableLeaf | Differentiable] ? false : true;

/** Why option `K` of the function's options `O` does not fit the schema's input `I`, or `never`. */
export type OptionFieldMismatch<O, I, K extends keyof O & keyof I> = [Exclude<O[K], undefined>] extends [I[K]]
  ? Record<never, never> extends Pick<O, K>
    ? undefined extends I[K]
      ? never
      : `option '${K & string}' may be left out of the function's options, but the schema requires it (give it a default or make it optional)`
    : never
  : `option '${K & string}' of the function's options takes values the schema's field rejects`;

/** Why the function's options `O` do not fit the schema's input `I`, one message per option, or `never`. */
export type OptionFieldsMismatch<O, I> = {
  [K in keyof O | keyof I]-?: K extends keyof I
    ? K extends keyof O
      ? OptionFieldMismatch<O, I, K>
      : `option '${K & string}' is in the schema but not in the function's options`
    : `option '${K & string}' of the function's options is not in the schema`;
}[keyof O | keyof I];

/**
 * Why the kwargs schema `S` does not fit the options parameter of `F` (the function's last), as
 * a message; `never` when it fits. It fits when both name the same options, every value the
 * function takes passes the schema's field, and an option the function lets callers leave out
 * has a default (or is optional) in the schema. Untyped options are not checked.
 */
export type OptionsMismatch<F extends AnyFunction, S> = [S] extends [undefined]
  ? never
  : 0 extends 1 & S
    ? never
    : OptionsParamOf<F> extends infer O
      ? 0 extends 1 & O
        ? never
        : [O] extends [never]
          ? 'the function takes no options parameter, but a kwargs schema was given'
          : IsOptionsRecord<O> extends false
            ? "the function's last parameter is not an options record, but a kwargs schema was given"
            : OptionFieldsMismatch<O, input<S>>
      : never;

/**
 * The type of a spec's `kwargs`: the schema `S` itself where it fits `F`'s options parameter,
 * and otherwise a type the schema lacks, whose one key names the mismatch (so the error is on
 * the `kwargs:` line).
 */
export type KwargsFor<F extends AnyFunction, S> = [OptionsMismatch<F, S>] extends [never]
  ? S
  : S & { readonly 'the kwargs schema does not fit the function’s options': OptionsMismatch<F, S> };

/**
 * The options `kwcall(kw, g, ...args)` passes to `g`: its options parameter where its last
 * parameter is an options record, so that an unknown key is an error at the call; any record
 * otherwise.
 */
export type KwcallOptions<G extends AnyFunction> = IsOptionsRecord<OptionsParamOf<G>> extends true ? OptionsParamOf<G> | undefined : Readonly<Record<string, unknown>> | undefined;

/** The positional arguments `kwcall(kw, g, ...args)` passes to `g`: all but its options record. */
export type KwcallArgs<G extends AnyFunction> =
  IsOptionsRecord<OptionsParamOf<G>> extends true
    ? Required<Parameters<G>> extends [...infer P, unknown]
      ? { [I in keyof P]: Parameters<G>[I & keyof Parameters<G>] }
      : Parameters<G>
    : Parameters<G>;
