import { z } from 'zod';
import { adapterOf } from './adapter';
import { registry } from './registry';
import type { Differentiable } from './tangents';

/** True for the values a `kw.diff()` field accepts: numbers and arrays an installed adapter owns. */
export function isDifferentiableValue(value: unknown): value is Differentiable {
  return typeof value === 'number' || adapterOf(value) !== undefined;
}

/**
 * Marks an options field as differentiable: it takes a number or an array of an installed
 * engine, and a rule owes its tangent whenever the caller passes it. Every other field of a
 * kwargs schema is static and gets `NoTangent`. Chain zod's `.default(…)` and `.optional()`
 * as usual; a default is a constant and is owed no tangent.
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
   * A differentiable field. The type parameter narrows the field's static type (for
   * example `kw.diff<number>()` in a rule for plain numbers); at run time every
   * differentiable value is accepted.
   */
  diff<T extends Differentiable = Differentiable>(): z.ZodType<T, T> {
    const schema = z.custom<T>(isDifferentiableValue, {
      error: 'expected a number or an array of an installed engine (a differentiable value)',
    });
    registry.differentiableSchemas.add(schema);
    return schema;
  },
});

/** True for a schema made by `kw.diff()` in any copy of core. */
export function isDifferentiableSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && registry.differentiableSchemas.has(schema);
}
