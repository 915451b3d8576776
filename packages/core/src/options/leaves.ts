import type { OptionLeaf } from '../kit/ruleCall';
import { hasOwn, isPlainObject } from '../internal/records';
import { isTangent } from '../tangents/tangent';
import { unthunk } from '../tangents/thunk';
import { ZeroTangent, isZero } from '../tangents/zeros';
import type { Passed } from './parse';
import type { OptionsPlan } from './plan';

/*
 * The leaves of a call's options: the differentiable ones the caller passed and the static
 * ones, by path; a copy with leaves replaced; the tangent at a path.
 */

/** The differentiable leaves the caller passed, in a stable order (the schema's). */
export function passedLeaves(plan: OptionsPlan, passed: Passed | undefined, values: Record<string, unknown>, prefix: readonly (string | number)[] = []): OptionLeaf[] {
  if (passed === undefined) return [];
  const leaves: OptionLeaf[] = [];
  for (const field of plan.fields) {
    const inner = hasOwn(passed, field.key) ? passed[field.key] : undefined;
    if (inner === undefined) continue;
    const path = [...prefix, field.key];
    if (inner === true) leaves.push({ path, value: values[field.key] });
    else if (field.kind === 'tree') leaves.push(...treeLeavesPassed(inner, values[field.key] as Record<string, unknown>, path));
    else leaves.push(...passedLeaves(field.record!, inner, values[field.key] as Record<string, unknown>, path));
  }
  return leaves;
}

/** The leaves of a `kw.tree()` value the caller passed (lists' indices as keys), in the value's order. */
function treeLeavesPassed(passed: Passed, value: Record<string, unknown>, prefix: readonly (string | number)[]): OptionLeaf[] {
  const leaves: OptionLeaf[] = [];
  const list = Array.isArray(value);
  for (const key of Object.keys(passed)) {
    const inner = passed[key]!;
    const path = [...prefix, list ? Number(key) : key];
    if (inner === true) leaves.push({ path, value: value[key] });
    else leaves.push(...treeLeavesPassed(inner, value[key] as Record<string, unknown>, path));
  }
  return leaves;
}

/** The static leaves the caller passed (defaults excluded), so adapters can vet them. */
export function staticLeaves(plan: OptionsPlan, input: Record<string, unknown>, prefix: readonly (string | number)[] = []): OptionLeaf[] {
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

/** A copy of `input` with the value at each path replaced; records and lists on the way are copied, not mutated. */
export function replaceLeaves(input: Record<string, unknown>, leaves: readonly OptionLeaf[]): Record<string, unknown> {
  const root: Record<string, unknown> = { ...input };
  for (const { path, value } of leaves) {
    let record = root;
    for (let i = 0; i < path.length - 1; i++) {
      const key = path[i]!;
      const inner = record[key];
      // A list inside a kw.tree() value stays a list.
      const next = (Array.isArray(inner) ? [...(inner as unknown[])] : { ...(inner as Record<string, unknown>) }) as Record<string, unknown>;
      record[key] = next;
      record = next;
    }
    record[path[path.length - 1]!] = value;
  }
  return root;
}

/** The tangent at `path` of an options tangent (a zero where any step is absent). */
export function tangentAt(tangent: unknown, path: readonly (string | number)[]): unknown {
  let current = unthunk(tangent);
  for (const key of path) {
    if (isZero(current)) return current;
    if (!isTangent(current)) return ZeroTangent;
    current = unthunk(current.get(key as never));
  }
  return current;
}
