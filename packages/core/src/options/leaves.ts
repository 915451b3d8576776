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
