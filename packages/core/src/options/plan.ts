import { safeParse } from 'zod/v4/core';
import type { $ZodType } from 'zod/v4/core';
import { RuleError } from '../errors';
import { describe } from '../tangents/describe';
import { isDifferentiableSchema, isDifferentiableValue, isTreeSchema } from './kw';
import { FORBIDDEN_KEYS, isDifferentiableTree } from './tree';

/*
 * A kwargs schema is compiled once, at definition, into a plan: which fields are
 * differentiable, which are static, which are nested records, and a fast check for each
 * common field kind. Calls then validate options without running zod, and fall back to zod
 * only to describe a failure (or for field kinds the plan has no fast check for).
 */

type Schema = $ZodType;

interface SchemaDef {
  readonly type: string;
  readonly innerType?: Schema;
  readonly checks?: readonly unknown[];
  readonly shape?: Readonly<Record<string, Schema>>;
  readonly catchall?: Schema;
  readonly entries?: Readonly<Record<string, unknown>>;
  readonly values?: readonly unknown[];
  readonly defaultValue?: unknown;
  readonly [other: string]: unknown;
}

function defOf(schema: Schema): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

export { FORBIDDEN_KEYS } from './tree';

export interface FieldPlan {
  readonly key: string;
  /** `diff`: a `kw.diff()` leaf; `tree`: a `kw.tree()` value; `record`: a nested options record with differentiable fields. */
  readonly kind: 'diff' | 'tree' | 'static' | 'record';
  /** The field's schema without its optional/default/nullable wrappers. */
  readonly core: Schema;
  readonly optional: boolean;
  readonly nullable: boolean;
  /** The `.default(…)` wrapper whose `defaultValue` fills an absent field. */
  readonly defaulted: Schema | undefined;
  /** A check equivalent to `core`'s zod check, where one is known; otherwise zod runs. */
  readonly check: ((value: unknown) => boolean) | undefined;
  readonly record: OptionsPlan | undefined;
}

/** A compiled kwargs schema. */
export interface OptionsPlan {
  readonly schema: Schema;
  readonly fields: readonly FieldPlan[];
  readonly byKey: ReadonlyMap<string, FieldPlan>;
  /** Some field, at any depth, is differentiable. */
  readonly differentiable: boolean;
  /** Every field is optional or has a default: a call may pass no options. */
  readonly acceptsNone: boolean;
  /** How many fields are neither optional nor defaulted. */
  readonly required: number;
  /**
   * The schema checks more than its fields: an object-level refinement (`.refine`, `.check`) here
   * or in a nested option record. Such a check runs, through zod, on every call: the fast path
   * never skips it.
   */
  readonly refined: boolean;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional']);

function fastCheck(def: SchemaDef): ((value: unknown) => boolean) | undefined {
  if (def.checks !== undefined && def.checks.length > 0) return undefined;
  switch (def.type) {
    case 'boolean':
      return (value) => typeof value === 'boolean';
    case 'string':
      return (value) => typeof value === 'string';
    case 'number':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'enum': {
      const allowed = new Set(Object.values(def.entries ?? {}));
      return (value) => allowed.has(value);
    }
    case 'literal': {
      const allowed = new Set(def.values ?? []);
      return (value) => allowed.has(value);
    }
    default:
      return undefined;
  }
}

/** True when `schema` holds a `kw.diff()` somewhere the plan cannot see it (a union, an array…). */
function hidesDifferentiable(schema: unknown, seen: Set<unknown>): boolean {
  if (typeof schema !== 'object' || schema === null || seen.has(schema)) return false;
  seen.add(schema);
  if (isDifferentiableSchema(schema)) return true;
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
  if (def === undefined) return false;
  for (const value of Object.values(def)) {
    const children = Array.isArray(value) ? value : typeof value === 'object' && value !== null && !('_zod' in value) ? Object.values(value) : [value];
    if (children.some((child) => hidesDifferentiable(child, seen))) return true;
  }
  return false;
}

function planField(key: string, schema: Schema, rule: string, path: string): FieldPlan {
  if (FORBIDDEN_KEYS.has(key)) {
    throw new RuleError('invalid-rule', {
      rule,
      slot: `${path}.${key}`,
      message: `the kwargs schema declares the key '${key}', which options objects may not carry.`,
      fix: 'Rename the option.',
    });
  }
  let core = schema;
  let optional = false;
  let nullable = false;
  let defaulted: Schema | undefined;
  for (let def = defOf(core); WRAPPERS.has(def.type) && def.innerType !== undefined; def = defOf(core)) {
    if (def.type === 'optional') optional = true;
    if (def.type === 'nullable') nullable = true;
    if ((def.type === 'default' || def.type === 'prefault') && defaulted === undefined) defaulted = core;
    core = def.innerType;
  }
  if (isTreeSchema(core)) {
    return { key, kind: 'tree', core, optional, nullable, defaulted, check: isDifferentiableTree, record: undefined };
  }
  if (isDifferentiableSchema(core)) {
    return { key, kind: 'diff', core, optional, nullable, defaulted, check: isDifferentiableValue, record: undefined };
  }
  const def = defOf(core);
  if (def.type === 'object') {
    const record = planOptions(core, rule, `${path}.${key}`);
    if (record.differentiable) {
      return { key, kind: 'record', core, optional, nullable, defaulted, check: undefined, record };
    }
  } else if (hidesDifferentiable(core, new Set())) {
    throw new RuleError('invalid-rule', {
      rule,
      slot: `${path}.${key}`,
      message: `kw.diff() appears inside a ${def.type} schema, where its tangent could not be tracked.`,
      fix: 'Put kw.diff() directly on an option field, or on a field of a nested z.object(…).',
    });
  }
  return { key, kind: 'static', core, optional, nullable, defaulted, check: fastCheck(def), record: undefined };
}

/**
 * Compiles a zod object schema into an {@link OptionsPlan}. Throws `invalid-rule` for a
 * schema that is not a `z.object`, that declares a forbidden key, or that hides `kw.diff()`
 * where its tangent could not be tracked.
 */
export function planOptions(schema: Schema, rule: string, path = 'kwargs'): OptionsPlan {
  const def = typeof schema === 'object' && schema !== null && '_zod' in schema ? defOf(schema) : undefined;
  if (def?.type !== 'object' || def.shape === undefined) {
    throw new RuleError('invalid-rule', {
      rule,
      slot: path,
      message: `a kwargs schema must be a zod object schema, got ${def === undefined ? describe(schema) : `a ${def.type} schema`}.`,
      fix: "Write it as z.object({ … }) with zod's `z`.",
    });
  }
  const catchall = def.catchall === undefined ? undefined : defOf(def.catchall).type;
  if (catchall !== undefined && catchall !== 'never' && catchall !== 'unknown') {
    throw new RuleError('invalid-rule', {
      rule,
      slot: path,
      message: 'a kwargs schema may not take extra keys through a catchall: their tangents could not be tracked.',
      fix: 'Declare every option in the shape.',
    });
  }
  const fields = Object.entries(def.shape).map(([key, field]) => planField(key, field, rule, path));
  return {
    schema,
    fields,
    byKey: new Map(fields.map((field) => [field.key, field])),
    differentiable: fields.some((field) => field.kind !== 'static'),
    acceptsNone: fields.every((field) => field.optional || field.defaulted !== undefined),
    required: fields.filter((field) => !field.optional && field.defaulted === undefined).length,
    refined: (def.checks !== undefined && def.checks.length > 0) || fields.some((field) => field.record?.refined === true),
  };
}

/** The value a `.default(…)` fills an absent field with. */
export function defaultValueOf(field: FieldPlan): unknown {
  const value = defOf(field.defaulted!).defaultValue;
  return typeof value === 'function' ? (value as () => unknown)() : value;
}

/** True when `value` (not a nested record) passes the field's own schema: the plan's fast check, or zod's. */
export function fieldAccepts(field: FieldPlan, value: unknown): boolean {
  return field.check !== undefined ? field.check(value) : safeParse(field.core, value).success;
}

/** The value as the field's schema outputs it (zod may transform it), or `FIELD_REJECTED`. */
export function fieldOutput(field: FieldPlan, value: unknown): unknown {
  if (field.check !== undefined) return field.check(value) ? value : FIELD_REJECTED;
  const result = safeParse(field.core, value);
  return result.success ? result.data : FIELD_REJECTED;
}

/** What {@link fieldOutput} returns for a rejected value. */
export const FIELD_REJECTED: unique symbol = Symbol('rejected');

/** Zod's issues with a whole options record, as `kwargs.<path>: message` lines, and the error itself. */
export function schemaIssues(plan: OptionsPlan, record: unknown): { readonly issues: readonly { readonly path: readonly PropertyKey[]; readonly message: string }[]; readonly error: unknown } {
  const result = safeParse(plan.schema, record);
  return result.success ? { issues: [], error: undefined } : { issues: result.error.issues, error: result.error };
}
