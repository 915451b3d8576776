import { adapterOf, anyDifferentiating, joinOwner } from './adapter';
import type { Adapter } from './adapter';
import { splitCall } from './callForm';
import type { RuleConfig } from './config';
import { numberConfig } from './config';
import type { OptionsPlan } from './options';
import { hasOwn, isPlainObject } from './records';
import { registry } from './registry';
import { RuleCallImpl } from './ruleCall';
import type { AnyFunction, RuleRecord } from './ruleRecord';

/*
 * How a call of a rule-aware function reaches an engine: the wrapper defineRule returns, the
 * scan for the adapter that owns a call's values, and the config a rule gets by default.
 */

/**
 * The rule-aware function: while no adapter is installed, a length check and a call of the
 * plain function that V8 inlines; otherwise, unless every engine says it is not
 * differentiating, a dispatch to the adapter that owns the call's values.
 */
export function makeRuleAware(impl: AnyFunction, name: string, getRecord: () => RuleRecord): AnyFunction {
  const ruleAware = function (this: unknown, ...callArgs: unknown[]): unknown {
    if (registry.adapters.length === 0 || !anyDifferentiating()) return impl.apply(this, callArgs);
    return dispatch(getRecord(), this, callArgs);
  };
  Object.defineProperty(ruleAware, 'name', { value: name });
  return ruleAware;
}

/** A call while an engine may differentiate: the owning adapter's `invoke`, or the plain function. */
function dispatch(record: RuleRecord, self: unknown, callArgs: unknown[]): unknown {
  const owner = ownerOfCall(record.options, record.name, callArgs, undefined, true);
  if (owner === undefined) return record.impl.apply(self, callArgs);
  return owner.invoke(new RuleCallImpl(record, splitCall(record, callArgs), self));
}

/**
 * The adapter that owns any of a call's values: its positional arguments (records and lists searched),
 * and the option values its schema declares — in `kw`, or, when `optionsLast`, in a trailing
 * record of `args` (a direct call, not yet split). Scans without allocating.
 */
function ownerOfCall(plan: OptionsPlan | undefined, name: string, args: ArrayLike<unknown>, kw: unknown, optionsLast: boolean): Adapter | undefined {
  let owner: Adapter | undefined;
  const last = optionsLast ? args.length - 1 : -1;
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    if (typeof value !== 'object' || value === null) continue;
    if (i === last && plan !== undefined && isPlainObject(value)) owner = ownerInOptions(plan, value, owner, name);
    else owner = ownerInValue(value, owner, name, 0);
  }
  if (typeof kw === 'object' && kw !== null && isPlainObject(kw)) {
    owner = plan !== undefined ? ownerInOptions(plan, kw, owner, name) : ownerInRecord(kw, owner, name, 0);
  }
  return owner;
}

/**
 * The owner of an object value: an engine's value, or one inside a plain record or a list
 * (a list no adapter owns itself), so that `f([x, y])` reaches the adapter, which can use the
 * rule or refuse the call, instead of the engine differentiating the plain function unseen.
 */
function ownerInValue(value: object, owner: Adapter | undefined, name: string, depth: number): Adapter | undefined {
  if (isPlainObject(value)) return depth < 16 ? ownerInRecord(value, owner, name, depth + 1) : owner;
  if (!Array.isArray(value) || adapterOf(value) !== undefined) return joinOwner(owner, value, name);
  if (depth >= 16) return owner;
  for (let i = 0; i < value.length; i++) {
    const element: unknown = value[i];
    if (typeof element === 'object' && element !== null) owner = ownerInValue(element, owner, name, depth + 1);
  }
  return owner;
}

function ownerInRecord(record: Record<string, unknown>, owner: Adapter | undefined, name: string, depth: number): Adapter | undefined {
  for (const key in record) {
    if (!hasOwn(record, key)) continue;
    const value = record[key];
    if (typeof value === 'object' && value !== null) owner = ownerInValue(value, owner, name, depth);
  }
  return owner;
}

function ownerInOptions(plan: OptionsPlan, options: Record<string, unknown>, owner: Adapter | undefined, name: string): Adapter | undefined {
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = options[field.key];
    if (typeof value !== 'object' || value === null || !hasOwn(options, field.key)) continue;
    if (field.record !== undefined && isPlainObject(value)) owner = ownerInOptions(field.record, value, owner, name);
    else owner = ownerInValue(value, owner, name, 0);
  }
  return owner;
}

/** The config of the engine that owns a call's values (plain numbers: `numberConfig`). */
export function configOf(plan: OptionsPlan | undefined, name: string, args: readonly unknown[], kw: unknown): RuleConfig {
  return ownerOfCall(plan, name, args, kw, false)?.config ?? numberConfig;
}

