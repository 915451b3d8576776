import type { $ZodType, output } from 'zod/v4/core';
import type { RuleConfig } from '../engines/config';
import type { NotImplemented } from '../tangents/notImplemented';
import type { Tangent, TangentOf, Differentiable } from '../tangents/tangent';
import type { ArgsAt, AtArray, HasDiffFields, KwargsFor, RuleArrayOf } from './signature';
import type { AnyFunction } from './types';

/** The options type a rule sees: the schema's output (defaults applied), or `{}` without one. */
export type OptionsOf<S> = S extends $ZodType ? output<S> : Record<string, never>;

/** The positional parameters of `F`: all of them without a schema, all but the trailing options with one. */
export type PositionalOf<F extends AnyFunction, S> = [S] extends [undefined]
  ? Parameters<F>
  : Required<Parameters<F>> extends [...infer P, unknown]
    ? { [I in keyof P]: Parameters<F>[I & keyof Parameters<F>] }
    : Parameters<F>;

/**
 * The cotangent a pullback receives: never a zero or a thunk at the top (core handles those).
 * A number or an array for a number or an array output; a `Tangent` of the output for a
 * record or a tuple (`[energy, forces]`, `{ value, aux }`), whose fields may be zeros.
 */
export type CotangentOf<Y> = 0 extends 1 & Y
  ? // eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped output takes an untyped cotangent
    any
  : [Y] extends [Differentiable]
    ? Y | number
    : [Y] extends [readonly unknown[] | Record<PropertyKey, unknown>]
      ? Tangent<Extract<Y, object>>
      : unknown;

/** The parts of a rule for `F` with kwargs schema `S` running on arrays `A`, as the rule sees them. */
export type RuleArgs<F extends AnyFunction, S, A> = ArgsAt<PositionalOf<F, S>, A>;
/** The options a rule for schema `S` running on `A` receives: the schema's output, `kw.diff()` fields as `A | number`. */
export type RuleOptions<S, A> = AtArray<OptionsOf<S>, A>;
/** The output of a rule for `F` running on `A`. */
export type RuleOutput<F extends AnyFunction, A> = AtArray<ReturnType<F>, A>;

/**
 * The named slots a pullback returns. `Owed` is true when the schema has differentiable fields:
 * then `kwargs` is required.
 */
export type PullbackSlots<Args extends readonly unknown[], O, Owed extends boolean = false> = {
  /** One tangent per positional argument. */
  readonly args: { readonly [I in keyof Args]: TangentOf<Args[I]> | NotImplemented };
  /** The function's own tangent (closures over differentiable state); `NoTangent` when absent. */
  readonly self?: unknown;
} & (Owed extends true
  ? {
      /** The options' tangent: a `Tangent` of the differentiable fields (core keeps those the caller passed). */
      readonly kwargs: TangentOf<O>;
    }
  : {
      /** The options' tangent: a `Tangent` of the differentiable fields the caller passed. */
      readonly kwargs?: TangentOf<O> | undefined;
    });

/**
 * The named tangents an frule receives: zeros where the caller gave none. `kwargs` is always
 * a `Tangent` (empty when no option varies), so `kwargs.get('c')` reads any field.
 */
export interface ForwardTangents<Args extends readonly unknown[], O> {
  readonly args: { readonly [I in keyof Args]: TangentOf<Args[I]> };
  readonly kwargs: Tangent<O & object>;
  readonly self: unknown;
}

/** The parts of a {@link RuleSpec} that say what the rule is for: its name, options and static arguments. */
export interface RuleHead<F extends AnyFunction, S extends $ZodType | undefined = undefined> {
  /** The rule's name in errors; defaults to the function's name. */
  readonly name?: string;
  /** A `z.object` of the options, fitting the function's options parameter; `kw.diff()` marks differentiable fields. */
  readonly kwargs?: KwargsFor<F, S>;
  /**
   * Positional arguments that have no derivative (a count, an index, an integer array), by
   * index — JAX's `nondiff_argnums`. Their tangent is `NoTangent` (the pullback must return
   * exactly that, the frule receives it), and an engine value being differentiated there is a
   * `RuleError` (`differentiable-in-static`). Everywhere else, `NoTangent` for a number or an
   * engine array is `missing-tangent`: it says no derivative exists.
   */
  readonly staticArgs?: readonly number[];
}

/** The rules of a {@link RuleSpec}: a reverse rule, a forward rule or both, written with named slots. */
export interface RuleBodies<F extends AnyFunction, S extends $ZodType | undefined = undefined, A = RuleArrayOf<F>> {
  /** `(cfg, opts, ...args) → [y, (ȳ) => ({ args, kwargs, self })]`. */
  readonly rrule?: (
    cfg: RuleConfig<A>,
    opts: RuleOptions<S, A>,
    ...args: RuleArgs<F, S, A>
  ) => readonly [RuleOutput<F, A>, (cotangent: CotangentOf<RuleOutput<F, A>>) => PullbackSlots<RuleArgs<F, S, A>, RuleOptions<S, A>, HasDiffFields<S>>];
  /** `(cfg, { args, kwargs, self }, opts, ...args) → [y, ẏ]`. */
  readonly frule?: (
    cfg: RuleConfig<A>,
    tangents: ForwardTangents<RuleArgs<F, S, A>, RuleOptions<S, A>>,
    opts: RuleOptions<S, A>,
    ...args: RuleArgs<F, S, A>
  ) => readonly [RuleOutput<F, A>, unknown];
}

/**
 * What {@link defineRule} takes: a name, an optional zod kwargs schema, and a reverse rule, a
 * forward rule or both, written with named slots.
 *
 * `A` is the array type the rule runs on ({@link RuleArrayOf}): `AbstractArray` for a function
 * over `Differentiable` (one rule for numbers and every engine), an engine's array type for a
 * function over that engine's arrays, `number` for a function over numbers. `cfg.xp` is an
 * `ArrayApi<A>`, and a `kw.diff()` option, like a `Differentiable` argument, is `A | number`.
 * The rules are typed once `F` and `S` are known (`NoInfer`), so that an output literal such as
 * `[energy, forces]` is read as the function's tuple.
 */
export type RuleSpec<F extends AnyFunction, S extends $ZodType | undefined = undefined, A = RuleArrayOf<F>> = RuleHead<F, S> & NoInfer<RuleBodies<F, S, A>>;
