import type { z } from 'zod';
import { RuleError } from './errors';
import { hasOwn, isPlainObject } from './records';
import { isDifferentiableSchema, isDifferentiableValue } from './kw';
import { adapterOf } from './adapter';
import { forEachEngineValue } from './search';
import { checkCotangent } from './callForm';
import { NoTangent, Tangent, ZeroTangent, describe, isNoTangent, isTangent, isThunk, isZero, unthunk } from './tangents';

/*
 * A kwargs schema is compiled once, at definition, into a plan: which fields are
 * differentiable, which are static, which are nested records, and a fast check for each
 * common field kind. Calls then validate options without running zod, and fall back to zod
 * only to describe a failure (or for field kinds the plan has no fast check for).
 */

type Schema = z.ZodType;

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

/** Keys an options object may never carry: they reach prototypes in careless code. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Which differentiable fields the caller passed: `true` for a leaf, a nested record for a record. */
export interface Passed {
  readonly [key: string]: true | Passed;
}

export interface FieldPlan {
  readonly key: string;
  readonly kind: 'diff' | 'static' | 'record';
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
  };
}


function countKeys(record: object): number {
  let n = 0;
  for (const key in record) if (hasOwn(record, key)) n++;
  return n;
}

/** Options validated against a plan: the values the rule sees (defaults applied) and what was passed. */
export interface ParsedOptions {
  readonly values: Record<string, unknown>;
  readonly passed: Passed | undefined;
}

/**
 * The options a caller passed, read once: every own string key (non-enumerable ones too) copied,
 * in the caller's order, into a plain record, and the records of nested option fields the plan
 * declares copied the same way. Nothing is validated here. From this copy on, the plain
 * function, the engine's adapter and the rule all see the same values — a getter runs once, a
 * non-enumerable field is seen by all of them. Symbol keys are not options: no schema can
 * declare one, and the copy leaves them out, so that nothing sees them.
 */
export function snapshotOptions(plan: OptionsPlan, input: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  const names = Object.getOwnPropertyNames(input);
  for (let i = 0; i < names.length; i++) {
    const key = names[i]!;
    const value = input[key];
    const field = plan.byKey.get(key);
    const kept = field?.record !== undefined && isPlainObject(value) ? snapshotOptions(field.record, value) : value;
    // `__proto__` stays an own key (to be refused), never the copy's prototype.
    if (key === '__proto__') Object.defineProperty(copy, key, { value: kept, enumerable: true, writable: true, configurable: true });
    else copy[key] = kept;
  }
  return copy;
}

/**
 * The caller's options read once (as {@link snapshotOptions} reads them) and checked against the
 * plan in the same pass — what a call that runs its plain function needs, without the values a
 * rule would see. A failure is the `RuleError` {@link parseOptions} throws for the same options.
 * With `copying` false, `input` (a copy already) is checked and returned as it is.
 */
export function readCheckedOptions(plan: OptionsPlan, input: Record<string, unknown>, rule: string, copying = true, path = 'kwargs'): Record<string, unknown> {
  const copy: Record<string, unknown> = copying ? {} : input;
  const names = Object.getOwnPropertyNames(input);
  let accepted = true;
  let required = 0;
  for (let i = 0; i < names.length; i++) {
    const key = names[i]!;
    const field = plan.byKey.get(key);
    if (field === undefined) refuseKeys(plan, input, path, rule); // throws: forbidden or unknown
    let value = input[key];
    if (field!.kind === 'record' && isPlainObject(value)) value = readCheckedOptions(field!.record!, value, rule, copying, `${path}.${key}`);
    else if (!accepts(field!, value)) accepted = false;
    if (copying) copy[key] = value;
    if (!field!.optional && field!.defaulted === undefined && value !== undefined) required++;
  }
  // A value the schema rejects, or a required option left out: the full parse says which.
  if (!accepted || required !== plan.required) parseOptions(plan, copy, rule);
  return copy;
}

/** True when `value` (not a nested record's) passes `field`'s schema. */
function accepts(field: FieldPlan, value: unknown): boolean {
  if (value === undefined) return field.optional || field.defaulted !== undefined;
  if (value === null) return field.nullable;
  if (field.kind === 'record') return false; // a nested record's value is a plain object, read by the caller
  return field.check !== undefined ? field.check(value) : field.core.safeParse(value).success;
}

const FAILED = Symbol('failed');

/** Throws for the first own string key of `input` (non-enumerable ones too) that is forbidden or not declared by `plan`. */
function refuseKeys(plan: OptionsPlan, input: Record<string, unknown>, path: string, rule: string): void {
  for (const key of Object.getOwnPropertyNames(input)) {
    if (FORBIDDEN_KEYS.has(key)) {
      throw new RuleError('forbidden-option-key', {
        rule,
        slot: `${path}.${key}`,
        message: `an options object carries the key '${key}', which could reach a prototype.`,
        fix: 'Remove it; options are plain data (check where the object was parsed or merged).',
      });
    }
    if (!plan.byKey.has(key)) {
      throw new RuleError('unknown-option', {
        rule,
        slot: `${path}.${key}`,
        message: `'${key}' is not an option of this rule (options: ${[...plan.byKey.keys()].join(', ') || 'none'}).`,
        fix: 'Check the spelling, or declare the option in the rule’s kwargs schema.',
      });
    }
  }
}

/** The installed engine that owns `value` or a value inside it, by name; `undefined` for plain data. */
function engineIn(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  let name: string | undefined;
  forEachEngineValue(value, (found) => (name ??= adapterOf(found)?.name));
  return name;
}

/** A static field rejected an engine value: say so, instead of repeating the schema's complaint. */
function refuseEngineValue(engine: string, path: string, key: string, rule: string): never {
  throw new RuleError('differentiable-in-static', {
    rule,
    slot: `${path}.${key}`,
    message: `the static option '${key}' received an array of engine '${engine}' (or a value holding one), where it would get no derivative; the schema asks for a plain value there.`,
    fix: 'Pass a plain value, or mark the option kw.diff() in the rule’s schema if it should be differentiated.',
  });
}

function parseRecord(plan: OptionsPlan, input: Record<string, unknown>, path: string, rule: string): ParsedOptions | typeof FAILED {
  // Every own key (enumerable or not, symbols too) must be a declared one. Declared keys are never
  // forbidden ones, so counting suffices on the common path; refuseKeys names the culprit otherwise.
  let declared = 0;
  for (const field of plan.fields) if (hasOwn(input, field.key)) declared++;
  if (declared !== Object.getOwnPropertyNames(input).length) refuseKeys(plan, input, path, rule);
  const values: Record<string, unknown> = {};
  let passed: Record<string, true | Passed> | undefined;
  for (const field of plan.fields) {
    const key = field.key;
    const value = hasOwn(input, key) ? input[key] : undefined;
    if (value === undefined) {
      if (field.defaulted !== undefined) values[key] = defOf(field.defaulted).defaultValue;
      else if (!field.optional) return FAILED;
      continue;
    }
    if (value === null) {
      if (!field.nullable) return FAILED;
      values[key] = null;
      continue;
    }
    if (field.kind === 'record') {
      if (!isPlainObject(value)) return FAILED;
      const inner = parseRecord(field.record!, value, `${path}.${key}`, rule);
      if (inner === FAILED) return FAILED;
      values[key] = inner.values;
      if (inner.passed !== undefined) (passed ??= {})[key] = inner.passed;
      continue;
    }
    if (field.check !== undefined) {
      if (!field.check(value)) return rejected(field, value, path, rule);
      values[key] = value;
    } else {
      const result = field.core.safeParse(value);
      if (!result.success) return rejected(field, value, path, rule);
      values[key] = result.data;
    }
    if (field.kind === 'diff') (passed ??= {})[key] = true;
  }
  return { values, passed };
}

/** A value the field's schema rejects: an engine value in a static field is named as such; anything else is left to zod's report. */
function rejected(field: FieldPlan, value: unknown, path: string, rule: string): typeof FAILED {
  if (field.kind === 'static') {
    const engine = engineIn(value);
    if (engine !== undefined) refuseEngineValue(engine, path, field.key, rule);
  }
  return FAILED;
}

/**
 * Validates a call's options against a plan. Every failure is a `RuleError`: a non-object
 * (`invalid-options`), a forbidden or unknown key (non-enumerable ones too; symbol keys are not
 * options and are not looked at), an engine value in a static field (`differentiable-in-static`), or a value the schema
 * rejects (`invalid-option`, with zod's issues in the message).
 */
export function parseOptions(plan: OptionsPlan, input: unknown, rule: string): ParsedOptions {
  const record = input === undefined ? {} : input;
  if (!isPlainObject(record)) {
    throw new RuleError('invalid-options', {
      rule,
      slot: 'kwargs',
      message: `options must be a plain object, got ${describe(record)}.`,
      fix: 'Pass the options as an object literal, e.g. { c: 3 }.',
    });
  }
  const parsed = parseRecord(plan, record, 'kwargs', rule);
  if (parsed !== FAILED) return parsed;
  const result = plan.schema.safeParse(record);
  const issues = result.success ? [] : result.error.issues;
  const first = issues[0];
  throw new RuleError('invalid-option', {
    rule,
    slot: first === undefined ? 'kwargs' : ['kwargs', ...first.path.map(String)].join('.'),
    message: `the options do not match the rule's schema: ${issues.map((issue) => `${['kwargs', ...issue.path.map(String)].join('.')}: ${issue.message}`).join('; ') || 'a value was rejected'}.`,
    fix: 'Pass values of the declared types (see the rule’s kwargs schema).',
    cause: result.success ? undefined : result.error,
  });
}

type Direction = 'cotangent' | 'tangent';

function checkLeaf(value: unknown, path: string, key: string, rule: string): void {
  if (isThunk(value) || isZero(value) || isDifferentiableValue(value)) return;
  throw new RuleError('tangent-mismatch', {
    rule,
    slot: `${path}.${key}`,
    message: `the tangent of a differentiable option must be a number, an engine array or a zero, got ${describe(value)}.`,
    fix: 'Return the option’s tangent itself, not a record or a string.',
  });
}

/**
 * Brings an options tangent to the shape the caller's options are owed: only the
 * differentiable fields the caller passed, every one of them accounted for.
 *
 * - `cotangent` (a pullback's output): a tangent for a static field or an undeclared one is
 *   an error; a passed differentiable field with no tangent is `missing-tangent`; tangents
 *   of fields the caller left to their defaults are dropped (a default is a constant).
 * - `tangent` (an frule's input): absent fields are zero; a non-zero tangent for a static
 *   field, an undeclared one or one the caller did not pass is an error.
 *
 * Returns `NoTangent` when the caller passed no differentiable field.
 */
export function conformOptionsTangent(
  plan: OptionsPlan,
  passed: Passed | undefined,
  tangent: unknown,
  direction: Direction,
  rule: string,
  primals: Readonly<Record<string, unknown>> | undefined,
  path = 'kwargs',
): unknown {
  const value = unthunk(tangent);
  if (value === undefined || isZero(value)) {
    if (passed === undefined) return NoTangent;
    // A ZeroTangent of any copy of core (isNoTangent reads the kind, not the identity).
    if (direction === 'tangent' || (value !== undefined && !isNoTangent(value))) return ZeroTangent;
    const missing = Object.keys(passed)[0]!;
    throw new RuleError('missing-tangent', {
      rule,
      slot: `${path}.${missing}`,
      message: `the pullback returned ${value === undefined ? 'no options tangent' : 'NoTangent for the options'}, but the caller passed the differentiable option '${missing}'.`,
      fix: `Return kwargs: new Tangent({ ${missing}: … }) (or ZeroTangent where the derivative is zero).`,
    });
  }
  if (!isTangent(value)) {
    throw new RuleError('tangent-mismatch', {
      rule,
      slot: path,
      message: `the tangent of an options record must be a Tangent or a zero, got ${describe(value)}.`,
      fix: 'Wrap the fields: new Tangent({ c: … }).',
    });
  }
  const kept: Record<string, unknown> = {};
  let count = 0; // leaves kept
  let evaluated = false; // a thunked field was evaluated: the tangent is rebuilt
  const keys = value.keys();
  for (const key of keys) {
    const field = plan.byKey.get(key);
    const fieldTangent = (value.backing as Record<string, unknown>)[key];
    if (field === undefined) {
      if (direction === 'tangent' && isZero(fieldTangent)) continue;
      throw new RuleError('unknown-tangent-field', {
        rule,
        slot: `${path}.${key}`,
        message: `a tangent for '${key}', which is not an option of this rule.`,
        fix: `Return tangents only for declared options (${[...plan.byKey.keys()].join(', ')}).`,
      });
    }
    const inner = passed !== undefined && hasOwn(passed, key) ? passed[key] : undefined;
    if (field.kind === 'static') {
      if (fieldTangent === undefined || isNoTangent(fieldTangent)) continue;
      if (direction === 'tangent' && isZero(fieldTangent)) continue;
      throw new RuleError('tangent-for-static', {
        rule,
        slot: `${path}.${key}`,
        message: `got ${describe(fieldTangent)} for the static option '${key}', which has no derivative.`,
        fix: direction === 'cotangent'
          ? `Leave '${key}' out of the tangent (or give NoTangent), or mark it differentiable with kw.diff().`
          : `Pass no tangent for '${key}', or mark it differentiable with kw.diff().`,
      });
    }
    if (inner === undefined) {
      if (direction === 'cotangent' || fieldTangent === undefined || isZero(fieldTangent)) continue;
      throw new RuleError('tangent-mismatch', {
        rule,
        slot: `${path}.${key}`,
        message: `a tangent for '${key}', which the caller did not pass: its default is a constant.`,
        fix: `Pass '${key}' in the options to differentiate with respect to it.`,
      });
    }
    if (field.kind === 'record') {
      const innerPrimals = primals?.[key];
      kept[key] = conformOptionsTangent(field.record!, inner === true ? undefined : inner, fieldTangent, direction, rule, isPlainObject(innerPrimals) ? innerPrimals : undefined, `${path}.${key}`);
    } else {
      if (fieldTangent === undefined) continue;
      if (direction === 'cotangent' && isNoTangent(fieldTangent)) {
        throw new RuleError('missing-tangent', {
          rule,
          slot: `${path}.${key}`,
          message: `the pullback gave NoTangent for the differentiable option '${key}', which the caller passed: NoTangent says no derivative exists.`,
          fix: `Return '${key}'’s derivative, or ZeroTangent where it is zero.`,
        });
      }
      // An frule reads its option tangents as values: thunks are evaluated here. A pullback's
      // cotangent is checked against the option's value (shape; a thunk when it is evaluated).
      const leaf = direction === 'tangent' ? unthunk(fieldTangent) : fieldTangent;
      checkLeaf(leaf, path, key, rule);
      const checked = direction === 'cotangent' && primals !== undefined ? checkCotangent(primals[key], leaf, rule, `${path}.${key}`) : leaf;
      if (checked !== fieldTangent) evaluated = true;
      kept[key] = checked;
      count++;
    }
  }
  if (passed === undefined) return NoTangent;
  // The common case: every key a passed leaf and every passed leaf present (no records, whose
  // keys are not counted): the tangent is already in shape.
  if (!evaluated && count === keys.length && count === countKeys(passed)) return value;
  for (const key of Object.keys(passed)) {
    if (hasOwn(kept, key)) continue;
    if (direction === 'tangent') continue;
    throw new RuleError('missing-tangent', {
      rule,
      slot: `${path}.${key}`,
      message: `the pullback gave no tangent for the differentiable option '${key}', which the caller passed.`,
      fix: `Add '${key}' to the returned Tangent (ZeroTangent where the derivative is zero).`,
    });
  }
  return new Tangent(kept);
}

/** One leaf of a call's options, with its path below the options object. */
export interface OptionLeaf {
  readonly path: readonly string[];
  readonly value: unknown;
}

/** The differentiable leaves the caller passed, in a stable order (the schema's). */
export function passedLeaves(plan: OptionsPlan, passed: Passed | undefined, values: Record<string, unknown>, prefix: readonly string[] = []): OptionLeaf[] {
  if (passed === undefined) return [];
  const leaves: OptionLeaf[] = [];
  for (const field of plan.fields) {
    const inner = hasOwn(passed, field.key) ? passed[field.key] : undefined;
    if (inner === undefined) continue;
    const path = [...prefix, field.key];
    if (inner === true) leaves.push({ path, value: values[field.key] });
    else leaves.push(...passedLeaves(field.record!, inner, values[field.key] as Record<string, unknown>, path));
  }
  return leaves;
}

/** The static leaves the caller passed (defaults excluded), so adapters can vet them. */
export function staticLeaves(plan: OptionsPlan, input: Record<string, unknown>, prefix: readonly string[] = []): OptionLeaf[] {
  const leaves: OptionLeaf[] = [];
  for (const field of plan.fields) {
    if (!hasOwn(input, field.key) || input[field.key] === undefined) continue;
    const path = [...prefix, field.key];
    const value = input[field.key];
    if (field.kind === 'record' && isPlainObject(value)) leaves.push(...staticLeaves(field.record!, value, path));
    else if (field.kind === 'static') leaves.push({ path, value });
  }
  return leaves;
}

/** A copy of `input` with the value at each path replaced; records on the way are copied, not mutated. */
export function replaceLeaves(input: Record<string, unknown>, leaves: readonly OptionLeaf[]): Record<string, unknown> {
  const root: Record<string, unknown> = { ...input };
  for (const { path, value } of leaves) {
    let record = root;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const next = { ...(record[key] as Record<string, unknown>) };
      record[key] = next;
      record = next;
    }
    record[path[path.length - 1]!] = value;
  }
  return root;
}

/** The tangent at `path` of an options tangent (a zero where any step is absent). */
export function tangentAt(tangent: unknown, path: readonly string[]): unknown {
  let current = unthunk(tangent);
  for (const key of path) {
    if (isZero(current)) return current;
    if (!isTangent(current)) return ZeroTangent;
    current = unthunk(current.get(key));
  }
  return current;
}
