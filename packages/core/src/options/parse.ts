import { adapterOf } from '../engines/adapters';
import { forEachEngineValue } from '../engines/search';
import { RuleError } from '../errors';
import { hasOwn, isPlainObject } from '../internal/records';
import { describe } from '../tangents/describe';
import { FIELD_REJECTED, FORBIDDEN_KEYS, defaultValueOf, fieldAccepts, fieldOutput, schemaIssues } from './plan';
import type { FieldPlan, OptionsPlan } from './plan';
import { copyTree, passedTree, treeRefusal } from './tree';

/*
 * Checking a call's options against a plan: reading them once (a copy every later step sees),
 * refusing unknown and forbidden keys, checking values, and the values a rule sees.
 */

/** Which differentiable fields the caller passed: `true` for a leaf, a nested record for a record. */
export interface Passed {
  readonly [key: string]: true | Passed;
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
    const kept = field?.record !== undefined && isPlainObject(value) ? snapshotOptions(field.record, value) : field?.kind === 'tree' ? copyTree(value) : value;
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
    if (copying && field!.kind === 'tree') value = copyTree(value);
    if (field!.kind === 'record' && isPlainObject(value)) value = readCheckedOptions(field!.record!, value, rule, copying, `${path}.${key}`);
    else if (!accepts(field!, value)) accepted = false;
    if (copying) copy[key] = value;
    if (!field!.optional && field!.defaulted === undefined && value !== undefined) required++;
  }
  // A value the schema rejects, or a required option left out: the full parse says which.
  if (!accepted || required !== plan.required || (plan.refined && path === 'kwargs')) parseOptions(plan, copy, rule);
  return copy;
}

/** True when `value` (not a nested record's) passes `field`'s schema. */
function accepts(field: FieldPlan, value: unknown): boolean {
  if (value === undefined) return field.optional || field.defaulted !== undefined;
  if (value === null) return field.nullable;
  if (field.kind === 'record') return false; // a nested record's value is a plain object, read by the caller
  return fieldAccepts(field, value);
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
      if (field.defaulted !== undefined) values[key] = defaultValueOf(field);
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
    // A tree is checked and used as a copy read once (its getters run once, whichever path got here).
    const read = field.kind === 'tree' ? copyTree(value) : value;
    const output = fieldOutput(field, read);
    if (output === FIELD_REJECTED) return rejected(field, read, path, rule);
    values[key] = output;
    if (field.kind === 'diff') (passed ??= {})[key] = true;
    else if (field.kind === 'tree') {
      const inner = passedTree(output);
      if (inner !== undefined) (passed ??= {})[key] = inner;
    }
  }
  return { values, passed };
}

/** A value the field's schema rejects: an engine value in a static field is named as such; anything else is left to zod's report. */
function rejected(field: FieldPlan, value: unknown, path: string, rule: string): typeof FAILED {
  if (field.kind === 'static') {
    const engine = engineIn(value);
    if (engine !== undefined) refuseEngineValue(engine, path, field.key, rule);
  }
  if (field.kind === 'tree') {
    const refusal = treeRefusal(value, `${path}.${field.key}`, rule);
    if (refusal !== undefined) throw refusal;
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
  if (parsed !== FAILED && !plan.refined) return parsed;
  const { issues, error } = schemaIssues(plan, record);
  if (parsed !== FAILED && issues.length === 0) return parsed; // the schema's own refinements hold too
  const first = issues[0];
  throw new RuleError('invalid-option', {
    rule,
    slot: first === undefined ? 'kwargs' : ['kwargs', ...first.path.map(String)].join('.'),
    message: `the options do not match the rule's schema: ${issues.map((issue) => `${['kwargs', ...issue.path.map(String)].join('.')}: ${issue.message}`).join('; ') || 'a value was rejected'}.`,
    fix: 'Pass values of the declared types (see the rule’s kwargs schema).',
    cause: error,
  });
}
