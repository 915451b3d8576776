import { _default, custom, nullable, optional } from 'zod/mini';
import type { ZodMiniCustom, ZodMiniDefault, ZodMiniNullable, ZodMiniOptional } from 'zod/mini';
import { adapterOf } from '../engines/adapters';
import { registry } from '../internal/registry';
import type { Differentiable } from '../tangents/tangent';

/** True for the values a `kw.diff()` field accepts: numbers and arrays an installed adapter owns. */
export function isDifferentiableValue(value: unknown): value is Differentiable {
  return typeof value === 'number' || adapterOf(value) !== undefined;
}

declare const DIFFERENTIABLE: unique symbol;

/**
 * The schema `kw.diff()` returns: a zod schema (built on zod's core, so that it fits in a
 * `z.object` of classic `zod` and of `zod/mini` alike) with the two wrappers an option needs as
 * methods, as classic zod spells them. Its type carries a brand (absent at run time) that the
 * wrappers keep, so that a rule's types know which options are differentiable.
 */
export interface DiffSchema<T> extends ZodMiniCustom<T, T>, DiffBrand {
  /** The field with a default (a constant: owed no tangent when the caller leaves it out). */
  default(value: T): ZodMiniDefault<DiffSchema<T>>;
  /** The field made optional. */
  optional(): ZodMiniOptional<DiffSchema<T>>;
  /** The field made nullable. */
  nullable(): ZodMiniNullable<DiffSchema<T>>;
}

/** The brand of {@link DiffSchema}'s type. */
export interface DiffBrand {
  /** Marks the schema's type as differentiable; no value has it at run time. */
  readonly [DIFFERENTIABLE]?: true;
}

/** True for the type of a schema made by `kw.diff()` (not through its wrappers): a type-level test. */
export type IsDiffSchema<Z> = keyof DiffBrand extends keyof Z ? true : false;

/**
 * Marks an options field as differentiable: it takes a number or an array of an installed
 * engine, and a rule owes its tangent whenever the caller passes it. Every other field of a
 * kwargs schema is static and gets `NoTangent`. A default is a constant and is owed no tangent.
 *
 * It works in schemas written with classic `zod` (`kw.diff().default(42)`) and with `zod/mini`
 * (`z._default(kw.diff(), 42)`, or the same `.default(42)`): core itself depends on zod's core
 * and mini builds only, so a page that uses `zod/mini` ships no classic zod.
 *
 * @example
 * ```ts
 * const schema = z.object({
 *   c: kw.diff().default(42),                       // differentiable
 *   mode: z.enum(['sum', 'prod']).default('prod'),  // static
 * });
 * ```
 */
export const kw = Object.freeze({
  /**
   * A differentiable field. Inside a rule it has the rule's array type or `number` (see
   * `defineRule`); the type parameter narrows it (for example `kw.diff<number>()` in a rule
   * for plain numbers). At run time every differentiable value is accepted.
   */
  diff<T extends Differentiable = Differentiable>(): DiffSchema<T> {
    const schema = custom<T>(isDifferentiableValue, {
      error: 'expected a number or an array of an installed engine (a differentiable value)',
    });
    registry.differentiableSchemas.add(schema);
    return Object.assign(schema, {
      default: (value: T) => _default(schema, value as never),
      optional: () => optional(schema),
      nullable: () => nullable(schema),
    }) as DiffSchema<T>;
  },
});

/** True for a schema made by `kw.diff()` in any copy of core. */
export function isDifferentiableSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && registry.differentiableSchemas.has(schema);
}
