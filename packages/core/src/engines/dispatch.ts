import type { OptionsPlan } from '../options/plan';
import { parseOptions, readCheckedOptions, snapshotOptions } from '../options/parse';
import { registry } from '../internal/registry';
import { hasOwn, isPlainObject } from '../internal/records';
import { RuleCallImpl } from '../kit/callImpl';
import type { RuleRecord } from '../rules/record';
import { splitCall } from '../rules/slots';
import { beginCall, fellBack, raised } from '../trace/observer';
import type { CallEntry, Observer } from '../trace/observer';
import type { AnyFunction } from '../rules/types';
import type { Adapter } from './adapter';
import { adapterOf, anyDifferentiating, joinOwner } from './adapters';
import type { RuleConfig } from './config';
import { numberConfig } from './config';
import { forEachEngineValue } from './search';

/*
 * How a call of a rule-aware function reaches an engine: the wrapper defineRule returns, the
 * scan for the adapter that owns a call's values, and the config a rule gets by default.
 */

/**
 * Checks a call's options against the rule's plan, as every path does before the plain function
 * runs (unknown keys, values the schema rejects, a required option left out), and puts them,
 * read once, in their place.
 */
function checkOptions(record: RuleRecord, callArgs: unknown[]): void {
  const plan = record.plan;
  if (plan === undefined) return;
  const n = callArgs.length;
  const last = n > 0 ? callArgs[n - 1] : undefined;
  if (isPlainObject(last)) callArgs[n - 1] = readCheckedOptions(plan, last, record.name);
  else if (!plan.acceptsNone) parseOptions(plan, undefined, record.name); // throws: a required option is missing
}

/**
 * The rule-aware function: while no adapter is installed or every engine says it is not
 * differentiating, the options checked (and read once) and the plain function called; otherwise
 * a dispatch to the adapter that owns the call's values.
 */
export function makeRuleAware(impl: AnyFunction, name: string, getRecord: () => RuleRecord): AnyFunction {
  const ruleAware = function (this: unknown, ...callArgs: unknown[]): unknown {
    const record = getRecord();
    // A rule trace or the watch mode is on: the same paths, recorded.
    if (registry.observer !== undefined) return observedCall(registry.observer as Observer, record, this, callArgs);
    if (registry.adapters.length === 0 || !anyDifferentiating()) {
      checkOptions(record, callArgs);
      return impl.apply(this, callArgs);
    }
    return dispatch(record, this, callArgs, undefined);
  };
  Object.defineProperty(ruleAware, 'name', { value: name });
  return ruleAware;
}

/**
 * A call while a rule trace or the watch mode observes: recorded (with the engine that owned it,
 * what ran and why, and the error it raised), then run as an unobserved call is.
 */
function observedCall(observer: Observer, record: RuleRecord, self: unknown, callArgs: unknown[]): unknown {
  if (registry.adapters.length > 0 && anyDifferentiating()) return dispatch(record, self, callArgs, observer);
  if (observer.traces.length === 0) {
    // The watch mode alone: it never reports a call no engine differentiates.
    checkOptions(record, callArgs);
    return record.impl.apply(self, callArgs);
  }
  let entry: CallEntry | undefined;
  try {
    checkOptions(record, callArgs);
    entry = beginCall(observer, record.name, quietOwner(record, callArgs));
    fellBack(observer, entry, 'not-differentiating');
    return record.impl.apply(self, callArgs);
  } catch (error) {
    raised(entry ?? beginCall(observer, record.name, undefined), error);
    throw error;
  }
}

/** The engine that owns a call's values, for the trace only: `undefined` where the search fails. */
function quietOwner(record: RuleRecord, callArgs: unknown[]): Adapter | undefined {
  try {
    return ownerOfCall(record.plan, record.name, callArgs, undefined, true);
  } catch {
    return undefined;
  }
}

/**
 * A call while an engine may differentiate: the owning adapter's `invoke` (its `RuleCall` checks
 * the options before the call runs, inside `invoke`, so that the adapter sees a refusal too), or
 * the plain function after the same check. `observer`: the call is recorded.
 */
function dispatch(record: RuleRecord, self: unknown, callArgs: unknown[], observer: Observer | undefined): unknown {
  if (observer === undefined) return decide(record, self, readOptions(record, callArgs), undefined);
  let entry: CallEntry | undefined;
  try {
    return decide(record, self, readOptions(record, callArgs), (owner) => (entry = beginCall(observer, record.name, owner)));
  } catch (error) {
    raised(entry ?? beginCall(observer, record.name, undefined), error);
    throw error;
  }
}

/** The options read once: the owner is searched in, and the adapter and the rule see, that copy. */
function readOptions(record: RuleRecord, callArgs: unknown[]): unknown[] {
  const plan = record.plan;
  const n = callArgs.length;
  if (plan !== undefined && n > 0 && isPlainObject(callArgs[n - 1])) callArgs[n - 1] = snapshotOptions(plan, callArgs[n - 1] as Record<string, unknown>);
  return callArgs;
}

/**
 * The owning adapter's `invoke`, or, when no adapter owns the call, the plain function after the
 * options' check. `recorded`: makes the call's trace entry, once the owner is known.
 */
function decide(record: RuleRecord, self: unknown, callArgs: unknown[], recorded: ((owner: Adapter | undefined) => CallEntry) | undefined): unknown {
  const plan = record.plan;
  const owner = ownerOfCall(plan, record.name, callArgs, undefined, true);
  const entry = recorded?.(owner);
  if (owner !== undefined) return owner.invoke(new RuleCallImpl(record, splitCall(record, callArgs), self, entry));
  if (plan !== undefined) {
    // Checked, as on every path (the copy is checked in place).
    const n = callArgs.length;
    const last = n > 0 ? callArgs[n - 1] : undefined;
    if (isPlainObject(last)) readCheckedOptions(plan, last, record.name, false);
    else if (!plan.acceptsNone) parseOptions(plan, undefined, record.name);
  }
  if (entry !== undefined) fellBack(registry.observer as Observer, entry, 'no-engine-value');
  return record.impl.apply(self, callArgs);
}

/**
 * The adapter that owns any of a call's values: its positional arguments and the option values
 * its schema declares — in `kw`, or, when `optionsLast`, in a trailing record of `args` (a
 * direct call, not yet split) — searched in every container that can hold them (see
 * `search.ts`). Engine values met directly cost no allocation.
 */
function ownerOfCall(plan: OptionsPlan | undefined, name: string, args: ArrayLike<unknown>, kw: unknown, optionsLast: boolean): Adapter | undefined {
  let owner: Adapter | undefined;
  const last = optionsLast ? args.length - 1 : -1;
  for (let i = 0; i < args.length; i++) {
    const value = args[i];
    if (typeof value !== 'object' || value === null) continue;
    if (i === last && plan !== undefined && isPlainObject(value)) owner = ownerInOptions(plan, value, owner, name);
    else owner = ownerInValue(value, owner, name);
  }
  if (typeof kw === 'object' && kw !== null && isPlainObject(kw)) {
    owner = plan !== undefined ? ownerInOptions(plan, kw, owner, name) : ownerInValue(kw, owner, name);
  }
  return owner;
}

/**
 * The owner of an object value: an engine's value itself, or any engine value held inside it
 * (lists, records, class instances, Maps, Sets), so that `f([x, y])` or a Map in a static option
 * reaches the adapter, which can use the rule or refuse the call, instead of the engine
 * differentiating the plain function unseen (or the rule running with the value left out).
 */
function ownerInValue(value: object, owner: Adapter | undefined, name: string): Adapter | undefined {
  const direct = adapterOf(value);
  if (direct !== undefined) return joinOwner(owner, value, name);
  let found = owner;
  forEachEngineValue(value, (inner) => {
    found = joinOwner(found, inner, name);
  });
  return found;
}

function ownerInOptions(plan: OptionsPlan, options: Record<string, unknown>, owner: Adapter | undefined, name: string): Adapter | undefined {
  const fields = plan.fields;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i]!;
    const value = options[field.key];
    if (typeof value !== 'object' || value === null || !hasOwn(options, field.key)) continue;
    if (field.record !== undefined && isPlainObject(value)) owner = ownerInOptions(field.record, value, owner, name);
    else owner = ownerInValue(value, owner, name);
  }
  return owner;
}

/** The config of the engine that owns a call's values (plain numbers: `numberConfig`). */
export function configOf(plan: OptionsPlan | undefined, name: string, args: readonly unknown[], kw: unknown): RuleConfig {
  return ownerOfCall(plan, name, args, kw, false)?.config ?? numberConfig;
}
