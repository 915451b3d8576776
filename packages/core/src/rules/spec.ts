import type { $ZodType, output } from 'zod/v4/core';
import type { RuleConfig } from '../engines/config';
import type { NotImplemented } from '../tangents/notImplemented';
import type { Tangent, TangentOf, Differentiable } from '../tangents/tangent';
import type { AnyFunction } from './types';

/** The options type a rule sees: the schema's output (defaults applied), or `{}` without one. */
export type OptionsOf<S> = S extends $ZodType ? output<S> : Record<string, never>;

/** The positional parameters of `F`: all of them without a schema, all but the trailing options with one. */
export type PositionalOf<F extends AnyFunction, S> = [S] extends [undefined]
  ? Parameters<F>
  : Required<Parameters<F>> extends [...infer P, unknown]
    ? { [I in keyof P]: Parameters<F>[I & keyof Parameters<F>] }
    : Parameters<F>;

/** The cotangent a pullback receives: never a zero or a thunk (core handles those). */
export type CotangentOf<Y> = 0 extends 1 & Y ? any : [Y] extends [Differentiable] ? Y | number : unknown;

/** The named slots a pullback returns. */
export interface PullbackSlots<Args extends readonly unknown[], O> {
  /** One tangent per positional argument. */
  readonly args: { readonly [I in keyof Args]: TangentOf<Args[I]> | NotImplemented };
  /** The options' tangent: a `Tangent` of the differentiable fields the caller passed. */
  readonly kwargs?: TangentOf<O> | undefined;
  /** The function's own tangent (closures over differentiable state); `NoTangent` when absent. */
  readonly self?: unknown;
}

/**
 * The named tangents an frule receives: zeros where the caller gave none. `kwargs` is always
 * a `Tangent` (empty when no option varies), so `kwargs.get('c')` reads any field.
 */
export interface ForwardTangents<Args extends readonly unknown[], O> {
  readonly args: { readonly [I in keyof Args]: TangentOf<Args[I]> };
  readonly kwargs: Tangent<O & object>;
  readonly self: unknown;
}

/**
 * What {@link defineRule} takes: a name, an optional zod kwargs schema, and a reverse rule, a
 * forward rule or both, written with named slots.
 */
export interface RuleSpec<F extends AnyFunction, S extends $ZodType | undefined = undefined> {
  /** The rule's name in errors; defaults to the function's name. */
  readonly name?: string;
  /** A `z.object` of the options; `kw.diff()` marks differentiable fields. */
  readonly kwargs?: S;
  /**
   * Positional arguments that have no derivative (a count, an index, an integer array), by
   * index — JAX's `nondiff_argnums`. Their tangent is `NoTangent` (the pullback must return
   * exactly that, the frule receives it), and an engine value being differentiated there is a
   * `RuleError` (`differentiable-in-static`). Everywhere else, `NoTangent` for a number or an
   * engine array is `missing-tangent`: it says no derivative exists.
   */
  readonly staticArgs?: readonly number[];
  /** `(cfg, opts, ...args) → [y, (ȳ) => ({ args, kwargs, self })]`. */
  readonly rrule?: (
    cfg: RuleConfig<any>,
    opts: OptionsOf<S>,
    ...args: PositionalOf<F, S>
  ) => readonly [ReturnType<F>, (cotangent: CotangentOf<ReturnType<F>>) => PullbackSlots<PositionalOf<F, S>, OptionsOf<S>>];
  /** `(cfg, { args, kwargs, self }, opts, ...args) → [y, ẏ]`. */
  readonly frule?: (
    cfg: RuleConfig<any>,
    tangents: ForwardTangents<PositionalOf<F, S>, OptionsOf<S>>,
    opts: OptionsOf<S>,
    ...args: PositionalOf<F, S>
  ) => readonly [ReturnType<F>, unknown];
}
