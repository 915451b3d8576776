import { RuleError } from '../errors';
import { closeObserverIfIdle, openObserver } from './observer';
import type { CallEntry, RunCounts, TraceLog } from './observer';
import type { FallbackCode } from './reasons';
import { traceTable } from './table';
import type { TracedCall, TracedRuleSummary } from './types';

/**
 * The record of the rule-aware calls made while {@link traceRules} ran its function: each call
 * in order ({@link RuleTrace.calls}), and per rule how often its parts ran and why its plain
 * function ran ({@link RuleTrace.rules}). It holds names, codes and shapes only — no engine
 * value. `String(trace)` is a small table; `JSON.stringify(trace)` the same for tools.
 *
 * @example
 * ```ts
 * const { trace } = traceRules(() => tf.grad((x) => gaussian(x, { sigma: s }))(x0));
 * trace.rules['gaussian']?.runs; // { rrule: 1, pullback: 1, frule: 0 }
 * console.log(String(trace));
 * ```
 */
export class RuleTrace {
  /** Every call, in the order they were made. */
  readonly calls: readonly TracedCall[];
  /** Per rule name, in order of first appearance. */
  readonly rules: Readonly<Record<string, TracedRuleSummary>>;

  /** @internal Made by {@link traceRules}. */
  constructor(calls: readonly TracedCall[], runs: ReadonlyMap<string, RunCounts>) {
    this.calls = Object.freeze(calls);
    const rules: Record<string, TracedRuleSummary> = Object.create(null) as Record<string, TracedRuleSummary>;
    const names = [...new Set([...calls.map((call) => call.rule), ...runs.keys()])];
    for (const name of names) {
      const mine = calls.filter((call) => call.rule === name);
      const fallbacks: Partial<Record<FallbackCode, number>> = {};
      for (const call of mine) if (call.fallback !== undefined) fallbacks[call.fallback.code] = (fallbacks[call.fallback.code] ?? 0) + 1;
      const counted = runs.get(name);
      rules[name] = Object.freeze({
        calls: mine.length,
        runs: Object.freeze({ rrule: counted?.rrule ?? 0, pullback: counted?.pullback ?? 0, frule: counted?.frule ?? 0 }),
        primal: mine.filter((call) => call.ran.includes('primal')).length,
        errors: mine.filter((call) => call.error !== undefined).length,
        fallbacks: Object.freeze(fallbacks),
      });
    }
    this.rules = Object.freeze(rules);
    Object.freeze(this);
  }

  /** The calls whose plain function ran, with their reasons. */
  get fallbacks(): readonly TracedCall[] {
    return this.calls.filter((call) => call.fallback !== undefined);
  }

  /** The trace as a small table: counts per rule and outcome, then the first call of each kind with its reason. */
  toString(): string {
    return traceTable(this);
  }

  /** The trace as plain data, for tools: `{ rules, calls }`. */
  toJSON(): { rules: Record<string, TracedRuleSummary>; calls: TracedCall[] } {
    return { rules: { ...this.rules }, calls: [...this.calls] };
  }
}

/** What {@link traceRules} returns: the function's result and the trace. */
export interface Traced<T> {
  readonly result: T;
  readonly trace: RuleTrace;
}

/** A call as the trace reports it, copied from its live record (nothing of it is shared). */
function snapshot(entry: CallEntry, index: number): TracedCall {
  const outcome =
    entry.error !== undefined ? 'error' : entry.ran.some((run) => run === 'rrule' || run === 'frule') ? 'rule' : entry.ran.includes('primal') ? 'primal' : 'none';
  const fallback = entry.fallback === undefined ? undefined : Object.freeze({ code: entry.fallback.code, text: entry.fallback.text, ...(entry.fallback.within === undefined ? {} : { within: entry.fallback.within }) });
  return Object.freeze({
    index,
    rule: entry.rule,
    engine: entry.engine,
    depth: entry.depth,
    ran: Object.freeze([...entry.ran]),
    outcome,
    ...(fallback === undefined ? {} : { fallback }),
    ...(entry.error === undefined ? {} : { error: entry.error }),
    tangents: Object.freeze(entry.tangents.map((t) => Object.freeze({ slot: t.slot, shape: t.shape === undefined ? undefined : Object.freeze([...t.shape]) }))),
    direct: entry.direct,
  });
}

function close(log: TraceLog): RuleTrace {
  const observer = openObserver();
  const at = observer.traces.lastIndexOf(log);
  if (at >= 0) observer.traces.splice(at, 1);
  closeObserverIfIdle();
  const calls = log.entries.filter((entry) => !entry.handedOn).map(snapshot);
  const runs = new Map([...log.runs].map(([name, counts]) => [name, { ...counts }] as const));
  return new RuleTrace(calls, runs);
}

/**
 * Runs `f` and returns its result with a {@link RuleTrace}: every rule-aware call made during it,
 * in order — the rule, the engine that owned the call, the differentiation depth, what ran
 * (rrule, pullback, frule, or the plain function) and, when the plain function ran, why (a
 * {@link FallbackCode} and words) — and the options' slots that received tangents, with their
 * shapes. Works with every adapter and with plain numbers, and nests (an inner trace's calls are
 * also in the outer one). When `f` throws, the trace is closed and the error rethrown. While no
 * trace is open, rule-aware calls pay one check for it.
 *
 * `f` runs synchronously: a pullback that runs after `traceRules` returns is not in the trace.
 * A `Promise` result is refused (`unsupported`): the work it stands for would run untraced.
 *
 * @example
 * ```ts
 * const { result: g, trace } = traceRules(() => tf.grad((x) => gaussian(x, { sigma: s }))(x0));
 * console.log(String(trace));
 * trace.calls[0]?.ran; // ['rrule', 'pullback']
 * ```
 */
export function traceRules<T>(f: () => T): Traced<T> {
  const log: TraceLog = { entries: [], runs: new Map() };
  openObserver().traces.push(log);
  let result: T;
  try {
    result = f();
  } catch (error) {
    close(log);
    throw error;
  }
  const trace = close(log);
  if (typeof (result as { then?: unknown } | null)?.then === 'function') {
    throw new RuleError('unsupported', {
      message: 'traceRules was given a function that returned a Promise; the work it stands for would run after the trace closed.',
      fix: 'Trace the synchronous part: traceRules(() => tf.grad(loss)(x)), or await first and trace each step.',
    });
  }
  return Object.freeze({ result, trace });
}
