import { RuleError } from '../errors';
import { hasOwn, isPlainObject } from '../internal/records';
import { checkCotangent } from '../rules/checks';
import { describe } from '../tangents/describe';
import { isNotImplemented } from '../tangents/notImplemented';
import { Tangent, isTangent } from '../tangents/tangent';
import { isThunk, unthunk } from '../tangents/thunk';
import { NoTangent, ZeroTangent, isNoTangent, isZero } from '../tangents/zeros';
import { isDifferentiableValue } from './kw';
import type { Passed } from './parse';
import type { OptionsPlan } from './plan';

function countKeys(record: object): number {
  let n = 0;
  for (const key in record) if (hasOwn(record, key)) n++;
  return n;
}

type Direction = 'cotangent' | 'tangent';

function checkLeaf(value: unknown, path: string, key: string | number, rule: string): void {
  if (isThunk(value) || isZero(value) || isNotImplemented(value) || isDifferentiableValue(value)) return;
  throw new RuleError('tangent-mismatch', {
    rule,
    slot: typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`,
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
      if (fieldTangent === undefined || isNoTangent(fieldTangent) || isNotImplemented(fieldTangent)) continue;
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
    } else if (field.kind === 'tree' && inner !== true) {
      kept[key] = conformTreeTangent(inner, fieldTangent, direction, rule, primals?.[key], `${path}.${key}`);
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
      const checked = conformLeaf(fieldTangent, direction, rule, primals?.[key], primals !== undefined, path, key);
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

/**
 * A differentiable leaf's tangent as the rule receives it (an frule's: thunks evaluated) or as the
 * engine gets it back (a pullback's: checked against the leaf's value — its shape; a thunk when
 * it is evaluated).
 */
function conformLeaf(tangent: unknown, direction: Direction, rule: string, primal: unknown, hasPrimal: boolean, path: string, key: string | number): unknown {
  const leaf = direction === 'tangent' ? unthunk(tangent) : tangent;
  checkLeaf(leaf, path, key, rule);
  return direction === 'cotangent' && hasPrimal ? checkCotangent(primal, leaf, rule, path, key) : leaf;
}

/**
 * The tangent of a `kw.tree()` option that holds records or lists: a `Tangent` of the same shape
 * (backed by a list where the value is a list), every leaf the caller passed accounted for — in
 * a cotangent, an absent leaf is `missing-tangent`; in a tangent, it is zero.
 */
function conformTreeTangent(passed: Passed, tangent: unknown, direction: Direction, rule: string, primal: unknown, path: string): unknown {
  const value = unthunk(tangent);
  const missing = (slot: string, got: unknown): never => {
    throw new RuleError('missing-tangent', {
      rule,
      slot,
      message: `the pullback gave ${got === undefined ? 'no tangent' : 'NoTangent'} for a part of a record or list option the caller passed.`,
      fix: 'Return a Tangent shaped like the option, with every leaf (ZeroTangent where the derivative is zero).',
    });
  };
  if (value === undefined || isZero(value)) {
    if (direction === 'tangent' || (value !== undefined && !isNoTangent(value))) return ZeroTangent;
    missing(path, value);
  }
  if (!isTangent(value)) {
    throw new RuleError('tangent-mismatch', {
      rule,
      slot: path,
      message: `the tangent of a record or list option is a Tangent of its fields, got ${describe(value)}.`,
      fix: 'Return new Tangent({ …fields }) (new Tangent([…]) for a list), shaped like the option.',
    });
  }
  const list = Array.isArray(primal);
  const at = (key: string): string => (list ? `${path}[${key}]` : `${path}.${key}`);
  const fields = value.backing as Record<string, unknown>;
  for (const key of value.keys()) {
    if (hasOwn(passed, key) || isZero(fields[key]) || isNoTangent(fields[key])) continue;
    throw new RuleError('unknown-tangent-field', { rule, slot: at(key), message: `a tangent for '${key}', which is not a leaf of the option's value.`, fix: 'Return tangents only for the leaves the caller passed.' });
  }
  const kept = (list ? (primal as unknown[]).map(() => ZeroTangent) : Object.create(null)) as Record<string, unknown>;
  for (const key of Object.keys(passed)) {
    const node = passed[key]!;
    const fieldTangent = hasOwn(fields, key) ? fields[key] : undefined;
    const inner = (primal as Record<string, unknown> | undefined)?.[key];
    if (node !== true) kept[key] = conformTreeTangent(node, fieldTangent, direction, rule, inner, at(key));
    else if (fieldTangent !== undefined && !(direction === 'cotangent' && isNoTangent(fieldTangent))) kept[key] = conformLeaf(fieldTangent, direction, rule, inner, primal !== undefined, path, list ? Number(key) : key);
    else if (direction === 'cotangent') missing(at(key), fieldTangent);
  }
  return new Tangent(kept);
}
