import type { Adapter } from '../engines/adapter';
import { adapterOf, anyDifferentiating } from '../engines/adapters';
import { isRuleError } from '../errors';
import { registry } from '../internal/registry';
import { isZero } from '../tangents/zeros';
import type { FallbackCode } from './reasons';
import { fallbackText } from './reasons';

/*
 * What the rule trace and the watch mode see, and the hooks core calls to tell them. While
 * neither is on, `registry.observer` is `undefined` and every hook is behind that one check;
 * the state lives in the registry so that a trace sees the calls of every copy of core.
 */

/** A part of a rule that runs: its rrule, a pullback it returned, its frule; or the plain function. */
export type RunKind = 'rrule' | 'pullback' | 'frule' | 'primal';

/** Runs of a rule's parts, counted like `ruleRuns`. */
export interface RunCounts {
  rrule: number;
  pullback: number;
  frule: number;
}

/** A fallback as recorded: its code and what its text is made from. */
export interface FallbackRecord {
  readonly code: FallbackCode;
  readonly text: string;
  readonly within: string | undefined;
}

/** One rule-aware call (or one direct run of a rule's contract), as it is recorded. Holds no engine value. */
export class CallEntry {
  readonly ran: RunKind[] = [];
  readonly tangents: { slot: string; shape: readonly number[] | undefined }[] = [];
  fallback: FallbackRecord | undefined;
  error: string | undefined;
  optedOut = false;
  handedOn = false;

  constructor(
    readonly rule: string,
    readonly engine: string | undefined,
    readonly needs: 'rrule' | 'frule' | undefined,
    readonly depth: number | undefined,
    readonly direct: boolean,
  ) {}
}

/** An open trace: the calls made and the rule runs counted while it is open. */
export interface TraceLog {
  readonly entries: CallEntry[];
  readonly runs: Map<string, RunCounts>;
}

/** What the watch mode was given. */
export interface WatchState {
  readonly warn: (fallback: { rule: string; engine: string | undefined; code: FallbackCode; text: string }) => void;
  readonly warned: Set<string>;
}

/** The observer's state, on the registry while a trace is open or the watch mode is on. */
export interface Observer {
  readonly traces: TraceLog[];
  watch: WatchState | undefined;
  /** The entry whose rule a `RuleCall` is about to run: the rule's run is attributed to it. */
  current: CallEntry | undefined;
  /** The rules (and parts) whose code is running now, innermost last. */
  readonly within: string[];
}

/** The observer, creating it (and so turning the hooks on). */
export function openObserver(): Observer {
  return ((registry.observer as Observer | undefined) ??= { traces: [], watch: undefined, current: undefined, within: [] });
}

/** Turns the hooks off again once no trace is open and the watch mode is off. */
export function closeObserverIfIdle(): void {
  const observer = registry.observer as Observer | undefined;
  if (observer !== undefined && observer.traces.length === 0 && observer.watch === undefined) registry.observer = undefined;
}

/** The observer, or `undefined` while nothing observes (the check every hook starts with). */
export const observing = (): Observer | undefined => registry.observer as Observer | undefined;

/** How many of an engine's differentiations enclose the call: the owner's report, or the deepest any adapter reports. */
function depthNow(owner: Adapter | undefined): number | undefined {
  const adapters = owner !== undefined ? [owner] : (registry.adapters as readonly Adapter[]);
  let depth: number | undefined;
  for (const adapter of adapters) {
    const d = adapter.differentiationDepth?.();
    if (typeof d === 'number' && (depth === undefined || d > depth)) depth = d;
  }
  return depth;
}

function needsOf(owner: Adapter | undefined): 'rrule' | 'frule' | undefined {
  if (owner === undefined) return undefined;
  const { canReverse, canForward } = owner.config;
  return canReverse && !canForward ? 'rrule' : canForward && !canReverse ? 'frule' : undefined;
}

/**
 * Records the start of a rule-aware call in every open trace. The depth is read now for a trace
 * (the watch mode alone reads it only when it must decide, see {@link fellBack}).
 */
export function beginCall(observer: Observer, rule: string, owner: Adapter | undefined): CallEntry {
  const entry = new CallEntry(rule, owner?.name, needsOf(owner), observer.traces.length > 0 ? depthNow(owner) : undefined, false);
  for (const log of observer.traces) log.entries.push(entry);
  return entry;
}

/** Records the start of a call the adapter kit built without a dispatch (`ruleCallOf`: an adapter's explicit form). */
export function beginUndispatched(observer: Observer, rule: string, engine: string | undefined): CallEntry {
  const owner = (registry.adapters as readonly Adapter[]).find((adapter) => adapter.name === engine);
  return beginCall(observer, rule, owner);
}

function count(observer: Observer | undefined, rule: string, kind: keyof RunCounts): void {
  if (observer === undefined) return;
  for (const log of observer.traces) {
    let runs = log.runs.get(rule);
    if (runs === undefined) log.runs.set(rule, (runs = { rrule: 0, pullback: 0, frule: 0 }));
    runs[kind]++;
  }
}

/**
 * A rule's rrule or frule runs (called where `ruleRuns` counts it): counted in every open trace
 * and attributed to the call a `RuleCall` is running, or recorded as a direct run of the
 * contract. Returns the entry, for the pullback's runs.
 */
export function ranRule(observer: Observer, rule: string, kind: 'rrule' | 'frule', engine: string | undefined): CallEntry {
  let entry = observer.current;
  observer.current = undefined;
  if (entry === undefined || entry.rule !== rule) {
    entry = new CallEntry(rule, engine, undefined, undefined, true);
    for (const log of observer.traces) log.entries.push(entry);
  }
  entry.ran.push(kind);
  count(observer, rule, kind);
  return entry;
}

/**
 * After a `RuleCall` ran its rule: a rule that records no runs (`nonDifferentiable`) did not
 * note it (`ranRule` would have, past `before`), so the entry is told here what ran.
 */
export function ranUncounted(entry: CallEntry, kind: 'rrule' | 'frule', before: number): void {
  if (entry.ran.length === before) entry.ran.push(kind);
}

/** A pullback ran the rule's code: counted in every open trace, attributed to its rrule's entry. */
export function ranPullback(rule: string, entry: CallEntry | undefined): void {
  entry?.ran.push('pullback');
  count(observing(), rule, 'pullback');
}

/** Runs `body`, a part of `rule`'s own code: rule-aware calls made in it are `inside-rule`. */
export function inRule<T>(observer: Observer, rule: string, part: 'rrule' | 'pullback' | 'frule', body: () => T): T {
  observer.within.push(`the ${part} of '${rule}'`);
  try {
    return body();
  } finally {
    observer.within.pop();
  }
}

/** Notes the options' slots that received a tangent (not a zero), with the shape of their values. */
export function noteTangents(entry: CallEntry, slots: readonly { slot: string; value: unknown }[], tangents: readonly unknown[]): void {
  slots.forEach(({ slot, value }, i) => {
    if (isZero(tangents[i]) || tangents[i] === undefined || entry.tangents.some((t) => t.slot === slot)) return;
    entry.tangents.push({ slot, shape: shapeOf(value) });
  });
}

function shapeOf(value: unknown): readonly number[] | undefined {
  if (typeof value === 'number') return [];
  const owner = adapterOf(value);
  if (owner === undefined) return undefined;
  try {
    return [...owner.xp.shape(value)];
  } catch {
    return undefined;
  }
}

/** The codes a fallback while no engine differentiates (or inside a rule) may be reported as. */
const QUIET: ReadonlySet<FallbackCode> = new Set(['not-differentiating', 'no-engine-value', 'unreported']);

/**
 * Records that the plain function ran instead of the rule, and why; a call inside another rule's
 * code is `inside-rule`. Warns (the watch mode) when an engine was differentiating the call.
 */
export function fellBack(observer: Observer, entry: CallEntry, reported: FallbackCode): void {
  const within = observer.within.length > 0 ? observer.within[observer.within.length - 1] : undefined;
  const code: FallbackCode = within !== undefined && QUIET.has(reported) ? 'inside-rule' : reported;
  entry.ran.push('primal');
  entry.fallback = { code, text: fallbackText({ code, engine: entry.engine, needs: entry.needs, within }), within };
  const watch = observer.watch;
  if (watch === undefined || code === 'not-differentiating' || code === 'inside-rule') return;
  // A call with no engine value, or one the adapter did not explain, is a concern only while an engine differentiates.
  if (code === 'no-engine-value' || code === 'unreported') {
    const owner = (registry.adapters as readonly Adapter[]).find((adapter) => adapter.name === entry.engine);
    const depth = entry.depth ?? depthNow(owner);
    if (!(depth !== undefined ? depth > 0 : anyDifferentiating())) return;
  }
  const key = `${entry.rule}\u0000${code}`;
  if (watch.warned.has(key)) return;
  watch.warned.add(key);
  watch.warn({ rule: entry.rule, engine: entry.engine, code, text: entry.fallback.text });
}

/** Notes the error a call raised (its code, for a `RuleError`). */
export function raised(entry: CallEntry, error: unknown): void {
  entry.error ??= isRuleError(error) ? error.code : error instanceof Error ? error.name : 'error';
}
