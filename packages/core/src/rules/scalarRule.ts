/* eslint-disable @typescript-eslint/no-explicit-any -- a scalar rule runs on the values of whichever engine serves the call (`ArrayApi<any, any>`), with options of any schema */
import type { $ZodType } from 'zod/v4/core';
import type { ArrayApi } from '../engines/arrayApi';
import { projectTo } from '../engines/project';
import { RuleError } from '../errors';
import { isPlainObject } from '../internal/records';
import { describe } from '../tangents/describe';
import { isNotImplemented } from '../tangents/notImplemented';
import { Tangent, isTangent } from '../tangents/tangent';
import { unthunk } from '../tangents/thunk';
import { NoTangent, ZeroTangent, isZero } from '../tangents/zeros';
import { defineRule } from './defineRule';
import type { KwargsFor, RuleArrayOf } from './signature';
import type { RuleArgs, RuleOptions, RuleOutput } from './spec';
import type { AnyFunction } from './types';

/** What the partials of a {@link scalarRule} receive besides the arguments: the output `y` (ChainRulesCore's `Ω`) and the set-up. */
export interface ScalarRuleContext<Y, Setup> {
  /** The output of the call. */
  readonly y: Y;
  /** What `setup` returned (`undefined` without one). */
  readonly setup: Setup;
}

/** The partial derivatives of a {@link scalarRule}, elementwise: one per positional argument, and per differentiable option. */
export interface ScalarPartials {
  /** `∂y/∂xᵢ` for each positional argument; `undefined` for an argument the rule declares static. */
  readonly args: readonly unknown[];
  /** `∂y/∂c` for each differentiable option, nested like the options; absent ones are zero. */
  readonly kwargs?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * What {@link scalarRule} takes: the partial derivatives of an elementwise function, written
 * once, from which it builds both the rrule and the frule. `A` is the array type the rule runs
 * on, as for `RuleSpec`: `xp` is an `ArrayApi<A>`, and arguments and `kw.diff()` options
 * over `Differentiable` are `A | number`.
 */
export interface ScalarRuleSpec<F extends AnyFunction, S extends $ZodType | undefined = undefined, Setup = undefined, A = RuleArrayOf<F>> {
  /** The rule's name in errors; defaults to the function's name. */
  readonly name?: string;
  /** A `z.object` of the options, fitting the function's options parameter; `kw.diff()` marks differentiable fields. */
  readonly kwargs?: KwargsFor<F, S>;
  /** Positional arguments with no derivative (their partial is `undefined`). */
  readonly staticArgs?: readonly number[];
  /** Work shared by the value and the partials, done once per call (ChainRulesCore's `@setup`). */
  readonly setup?: (xp: ArrayApi<A, unknown>, opts: RuleOptions<S, A>, ...args: RuleArgs<F, S, A>) => Setup;
  /** The value, from the set-up (default: the plain function on the call's values). */
  readonly value?: (xp: ArrayApi<A, unknown>, setup: Setup, opts: RuleOptions<S, A>, ...args: RuleArgs<F, S, A>) => RuleOutput<F, A>;
  /** The partial derivatives at the call, elementwise, of the output's shape or broadcastable to it. */
  readonly partials: (xp: ArrayApi<A, unknown>, at: ScalarRuleContext<RuleOutput<F, A>, Setup>, opts: RuleOptions<S, A>, ...args: RuleArgs<F, S, A>) => ScalarPartials;
}

/**
 * Defines a rule from its partial derivatives, like ChainRulesCore's `@scalar_rule`: for a
 * function that is elementwise in its positional arguments and in its differentiable options
 * (which broadcast against them), write `∂y/∂xᵢ` and `∂y/∂c` once — with the output `y` and an
 * optional shared set-up at hand — and get both rules:
 *
 * - the rrule's pullback returns `ȳ · ∂y/∂xᵢ` for each argument and `ȳ · ∂y/∂c` for each option,
 *   each summed back to the shape its value was passed with (`projectTo`), so an option passed
 *   as a number gets a number's cotangent;
 * - the frule returns `ẏ = Σᵢ ∂y/∂xᵢ · ẋᵢ + Σ ∂y/∂c · ċ`, skipping what does not move.
 *
 * Everything is computed with the namespace of the call's values, so the rule runs on plain
 * numbers and on every engine. A partial may be `notImplemented(reason)`.
 *
 * @example
 * ```ts
 * // scaled(x, { k }) = k·x, elementwise.
 * const scaled = scalarRule((x: number, { k = 1 }: { k?: number } = {}) => k * x, {
 *   name: 'scaled',
 *   kwargs: z.object({ k: kw.diff<number>().default(1) }),
 *   partials: (_xp, _at, { k }, x) => ({ args: [k], kwargs: { k: x } }),
 * });
 * ```
 */
export function scalarRule<F extends AnyFunction, S extends $ZodType | undefined = undefined, Setup = undefined>(f: F, spec: ScalarRuleSpec<F, S, Setup>): F {
  if (typeof spec !== 'object' || spec === null || typeof spec.partials !== 'function') {
    throw new RuleError('invalid-rule', {
      rule: spec?.name ?? (typeof f === 'function' ? f.name : undefined),
      message: `scalarRule takes a spec with partials(xp, { y, setup }, opts, ...args), got ${describe(spec?.partials)}.`,
      fix: 'Pass { name, kwargs?, setup?, value?, partials }.',
    });
  }
  const name = spec.name ?? (f.name || 'anonymous');
  const prepare = (xp: ArrayApi<any, any>, opts: any, args: readonly unknown[]) => {
    const setup = spec.setup === undefined ? (undefined as Setup) : (spec.setup as AnyFunction)(xp, opts, ...args);
    const y = spec.value === undefined ? f(...args, ...(spec.kwargs === undefined ? [] : [opts])) : (spec.value as AnyFunction)(xp, setup, opts, ...args);
    return { setup, y };
  };
  const partialsAt = (xp: ArrayApi<any, any>, at: ScalarRuleContext<unknown, Setup>, opts: any, args: readonly unknown[]): ScalarPartials => {
    const partials = (spec.partials as AnyFunction)(xp, at, opts, ...args) as ScalarPartials;
    if (typeof partials !== 'object' || partials === null || !Array.isArray(partials.args) || partials.args.length !== args.length) {
      throw new RuleError('invalid-rule', {
        rule: name,
        slot: 'args',
        message: `partials returned ${describe(partials)}; expected { args: [one partial per positional argument], kwargs? }.`,
        fix: 'Return { args: [∂y/∂x, …], kwargs: { c: ∂y/∂c } } (undefined for a static argument).',
      });
    }
    return partials;
  };
  /** ȳ·∂ for every option leaf in `partials`, projected onto the option's value. */
  const optionCotangent = (xp: ArrayApi<any, any>, dy: unknown, partials: Readonly<Record<string, unknown>>, values: Readonly<Record<string, unknown>>, path: string): Tangent => {
    const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const key of Object.keys(partials)) {
      const partial = partials[key];
      const value = values[key];
      if (isPlainObject(partial) && !isNotImplemented(partial)) fields[key] = optionCotangent(xp, dy, partial, isPlainObject(value) ? value : {}, `${path}.${key}`);
      else if (partial !== undefined && value !== undefined) fields[key] = cotangentOf(xp, dy, partial, value, `${path}.${key}`);
    }
    return new Tangent(fields);
  };
  const cotangentOf = (xp: ArrayApi<any, any>, dy: unknown, partial: unknown, value: unknown, slot: string): unknown => {
    if (isNotImplemented(partial)) return partial;
    if (isZero(partial)) return ZeroTangent;
    return projectTo(xp, xp.multiply(dy as never, partial as never), value as never, { rule: name, slot });
  };
  return defineRule(f, {
    name,
    ...(spec.kwargs === undefined ? {} : { kwargs: spec.kwargs }),
    ...(spec.staticArgs === undefined ? {} : { staticArgs: spec.staticArgs }),
    rrule: (cfg: { xp: ArrayApi<any, any> }, opts: any, ...args: unknown[]) => {
      const { xp } = cfg;
      const { setup, y } = prepare(xp, opts, args);
      return [
        y,
        (dy: unknown) => {
          const partials = partialsAt(xp, { y, setup }, opts, args);
          return {
            args: partials.args.map((partial, i) => (partial === undefined ? NoTangent : cotangentOf(xp, dy, partial, args[i], `args[${i}]`))),
            ...(partials.kwargs === undefined ? {} : { kwargs: optionCotangent(xp, dy, partials.kwargs, opts, 'kwargs') }),
          };
        },
      ];
    },
    frule: (cfg: { xp: ArrayApi<any, any> }, tangents: { args: readonly unknown[]; kwargs: Tangent }, opts: any, ...args: unknown[]) => {
      const { xp } = cfg;
      const { setup, y } = prepare(xp, opts, args);
      let dy: unknown = ZeroTangent;
      const accumulate = (partial: unknown, tangent: unknown): void => {
        const t = unthunk(tangent);
        if (partial === undefined || isZero(t)) return;
        if (isNotImplemented(partial)) {
          dy = partial;
          return;
        }
        if (isNotImplemented(dy)) return;
        const term = xp.multiply(partial as never, t as never);
        dy = isZero(dy) ? term : xp.add(dy as never, term);
      };
      const moving = tangents.args.some((t) => !isZero(unthunk(t))) || tangents.kwargs.keys().length > 0;
      if (!moving) return [y, ZeroTangent];
      const partials = partialsAt(xp, { y, setup }, opts, args);
      partials.args.forEach((partial, i) => accumulate(partial, tangents.args[i]));
      const walk = (partialsHere: Readonly<Record<string, unknown>>, tangent: unknown): void => {
        if (!isTangent(tangent)) return;
        for (const key of Object.keys(partialsHere)) {
          const partial = partialsHere[key];
          const field = unthunk(tangent.get(key as never));
          if (isPlainObject(partial) && !isNotImplemented(partial)) walk(partial, field);
          else accumulate(partial, field);
        }
      };
      if (partials.kwargs !== undefined) walk(partials.kwargs, tangents.kwargs);
      return [y, dy];
    },
  } as never);
}
