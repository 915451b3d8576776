import { escapeText } from '../errors';
import type { TracedCall, TracedRuleSummary } from './types';

/** Rows of cells as text columns, each padded to its widest cell (the last one left ragged). */
function columns(rows: readonly (readonly string[])[], rightAligned: ReadonlySet<number>): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

const shape = (s: readonly number[] | undefined): string => (s === undefined ? '?' : `[${s.join(', ')}]`);

/** What a call did, in a few words: the parts that ran, the error it raised. */
function ran(call: TracedCall): string {
  const runs = call.ran.map((run) => (run === 'primal' ? 'plain function' : run));
  const what = [...runs, ...(call.error === undefined ? [] : [`raised ${call.error}`])].join(', ');
  return (call.direct ? `${what} (called directly)` : what) || '—';
}

/** The kind of a call, for the table's list of first calls: its rule, engine, outcome and reason. */
const kindOf = (call: TracedCall): string => [call.rule, call.engine, call.outcome, call.fallback?.code, call.error, call.direct].join('\u0000');

/**
 * A trace as a small table: per rule, how many calls, how often each part ran, how often the
 * plain function ran and why; then the first call of each kind (rule, engine, outcome, reason)
 * with its engine, depth, what ran, the options' slots that received tangents, and the reason.
 */
export function traceTable(trace: { readonly calls: readonly TracedCall[]; readonly rules: Readonly<Record<string, TracedRuleSummary>> }): string {
  const names = Object.keys(trace.rules);
  if (names.length === 0) return 'Rule trace: no rule-aware call was made.';
  const used = trace.calls.filter((call) => call.outcome === 'rule').length;
  const fellBack = trace.calls.filter((call) => call.fallback !== undefined).length;
  const head = `Rule trace: ${trace.calls.length} call${trace.calls.length === 1 ? '' : 's'} of ${names.length} rule${names.length === 1 ? '' : 's'} (${used} ran a rule, ${fellBack} the plain function)`;
  const summary = columns(
    [
      ['rule', 'calls', 'rrule', 'pullback', 'frule', 'plain', 'errors', 'plain function because'],
      ...names.map((name) => {
        const rule = trace.rules[name]!;
        const because = Object.entries(rule.fallbacks)
          .map(([code, n]) => `${code} ×${n}`)
          .join(', ');
        return [escapeText(name), `${rule.calls}`, `${rule.runs.rrule}`, `${rule.runs.pullback}`, `${rule.runs.frule}`, `${rule.primal}`, `${rule.errors}`, because];
      }),
    ],
    new Set([1, 2, 3, 4, 5, 6]),
  );
  const seen = new Set<string>();
  const firsts = trace.calls.filter((call) => {
    const kind = kindOf(call);
    if (seen.has(kind)) return false;
    seen.add(kind);
    return true;
  });
  const detail = columns(
    [
      ['#', 'rule', 'engine', 'depth', 'ran', 'option tangents', 'reason'],
      ...firsts.map((call) => [
        `${call.index}`,
        escapeText(call.rule),
        call.engine === undefined ? '—' : escapeText(call.engine),
        call.depth === undefined ? '?' : `${call.depth}`,
        ran(call),
        call.tangents.length === 0 ? '—' : call.tangents.map((t) => `${escapeText(t.slot)} ${shape(t.shape)}`).join(', '),
        call.fallback === undefined ? '' : `${call.fallback.code}: ${call.fallback.text}`,
      ]),
    ],
    new Set([0, 3]),
  );
  return [head, '', ...summary, '', 'First call of each kind:', ...detail].join('\n');
}
