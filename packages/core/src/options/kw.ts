import { _default, custom, nullable, optional } from 'zod/mini';
import type { ZodMiniCustom, ZodMiniDefault, ZodMiniNullable, ZodMiniOptional } from 'zod/mini';
import { registry, sharedSingleton } from '../internal/registry';
import type { Differentiable } from '../tangents/tangent';
import { isDifferentiableTree, isDifferentiableValue } from './tree';
import type { DifferentiableTree } from './tree';

export { isDifferentiableValue } from './tree';

/** Schemas made by `kw.tree()`, from any copy of core (they are in the differentiable ones too). */
const treeSchemas = sharedSingleton('kw.tree schemas', () => new WeakSet<object>());

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

/** `schema` registered as differentiable, with the wrappers an option needs as methods. */
function differentiable<T>(schema: ZodMiniCustom<T, T>): DiffSchema<T> {
  registry.differentiableSchemas.add(schema);
  return Object.assign(schema, {
    default: (value: T) => _default(schema, value as never),
    optional: () => optional(schema),
    nullable: () => nullable(schema),
  }) as DiffSchema<T>;
}

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
    return differentiable(schema);
  },
  /**
   * A differentiable field that takes a tree: a number, an array, or plain records and lists of
   * them, nested (`params: { w, b }`). Each leaf the caller passes is differentiated, and the
   * rule owes a tangent shaped like the value — a `Tangent` of the record's fields (a `Tangent`
   * backed by a list for a list), the leaf's own tangent for a leaf. Records inside it are plain
   * data: a key such as `__proto__`, a non-enumerable or symbol key, a cycle are refused.
   *
   * @example
   * ```ts
   * const schema = z.object({ params: kw.tree().optional(), tol: z.number() });
   * // callers pass params: 0.5, params: x, or params: { w, b: [b1, b2] }
   * ```
   */
  tree<T extends DifferentiableTree = DifferentiableTree>(): DiffSchema<T> {
    const schema = custom<T>(isDifferentiableTree, {
      error: 'expected a number, an array of an installed engine, or plain records and lists of them (a differentiable tree)',
    });
    treeSchemas.add(schema);
    return differentiable(schema);
  },
});

/** True for a schema made by `kw.tree()` in any copy of core. */
export function isTreeSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && treeSchemas.has(schema);
}

/** True for a schema made by `kw.diff()` in any copy of core. */
export function isDifferentiableSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && registry.differentiableSchemas.has(schema);
}
