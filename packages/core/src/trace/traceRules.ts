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
  // What the trace saw, copied when it closed; the public views are built on first read, so
  // that a trace around every training step costs little when it is not read.
  readonly #entries: readonly Closed[];
  readonly #runs: ReadonlyMap<string, RunCounts>;
  #calls: readonly TracedCall[] | undefined;
  #rules: Readonly<Record<string, TracedRuleSummary>> | undefined;

  /** @internal Made by {@link traceRules}. */
  constructor(entries: readonly Closed[], runs: ReadonlyMap<string, RunCounts>) {
    this.#entries = entries;
    this.#runs = runs;
    Object.freeze(this);
  }

  /** Every call, in the order they were made. */
  get calls(): readonly TracedCall[] {
    return (this.#calls ??= Object.freeze(this.#entries.map(snapshot)));
  }

  /** Per rule name, in order of first appearance: calls, run counts, and why the plain function ran. */
  get rules(): Readonly<Record<string, TracedRuleSummary>> {
    if (this.#rules !== undefined) return this.#rules;
    const calls = this.calls;
    const rules: Record<string, TracedRuleSummary> = Object.create(null) as Record<string, TracedRuleSummary>;
    const names = [...new Set([...calls.map((call) => call.rule), ...this.#runs.keys()])];
    for (const name of names) {
      const mine = calls.filter((call) => call.rule === name);
      const fallbacks: Partial<Record<FallbackCode, number>> = {};
      for (const call of mine) if (call.fallback !== undefined) fallbacks[call.fallback.code] = (fallbacks[call.fallback.code] ?? 0) + 1;
      const counted = this.#runs.get(name);
      rules[name] = Object.freeze({
        calls: mine.length,
        runs: Object.freeze({ rrule: counted?.rrule ?? 0, pullback: counted?.pullback ?? 0, frule: counted?.frule ?? 0 }),
        primal: mine.filter((call) => call.ran.includes('primal')).length,
        errors: mine.filter((call) => call.error !== undefined).length,
        fallbacks: Object.freeze(fallbacks),
      });
    }
    return (this.#rules = Object.freeze(rules));
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

/** An entry as it stood when the trace closed (the live one may change: a pullback runs later, for an enclosing trace). */
interface Closed {
  readonly index: number;
  readonly entry: CallEntry;
  readonly ran: readonly CallEntry['ran'][number][];
  readonly tangents: number;
  readonly fallback: CallEntry['fallback'];
  readonly error: string | undefined;
}

/** A call as the trace reports it, from its entry as it stood at the close (nothing of it is shared). */
function snapshot({ index, entry, ran, tangents, fallback: fell, error }: Closed): TracedCall {
  const outcome = error !== undefined ? 'error' : ran.some((run) => run === 'rrule' || run === 'frule') ? 'rule' : ran.includes('primal') ? 'primal' : 'none';
  const fallback = fell === undefined ? undefined : Object.freeze({ code: fell.code, text: fell.text, ...(fell.within === undefined ? {} : { within: fell.within }) });
  return Object.freeze({
    index,
    rule: entry.rule,
    engine: entry.engine,
    depth: entry.depth,
    ran: Object.freeze([...ran]),
    outcome,
    ...(fallback === undefined ? {} : { fallback }),
    ...(error === undefined ? {} : { error }),
    tangents: Object.freeze(entry.tangents.slice(0, tangents).map((t) => Object.freeze({ slot: t.slot, shape: t.shape === undefined ? undefined : Object.freeze([...t.shape]) }))),
    direct: entry.direct,
  });
}

function close(log: TraceLog): RuleTrace {
  const observer = openObserver();
  const at = observer.traces.lastIndexOf(log);
  if (at >= 0) observer.traces.splice(at, 1);
  closeObserverIfIdle();
  const closed: Closed[] = [];
  for (const entry of log.entries) if (!entry.handedOn) closed.push({ index: closed.length, entry, ran: entry.ran.slice(), tangents: entry.tangents.length, fallback: entry.fallback, error: entry.error });
  const runs = new Map<string, RunCounts>();
  for (const [name, counts] of log.runs) runs.set(name, { rrule: counts.rrule, pullback: counts.pullback, frule: counts.frule });
  return new RuleTrace(closed, runs);
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
