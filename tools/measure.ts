/**
 * Timing helpers every benchmark script shares: each candidate runs in batches, the candidates
 * of one comparison take turns (so machine noise falls on all of them), and results are medians
 * of per-call times, reported as ratios against the first row, measured in the same run.
 */
import { appendFileSync } from 'node:fs';

export interface Candidate {
  readonly name: string;
  /**
   * Runs the operation `n` times. Return something derived from every result (a sum) when the
   * work could otherwise be optimised away; engine calls that realise their results need not.
   */
  readonly run: (n: number) => number | void;
}

export interface Measurement {
  readonly name: string;
  /** Median nanoseconds per call. */
  readonly ns: number;
}

export interface CompareOptions {
  /** Calls per timed round. */
  readonly batch?: number;
  /** Timed rounds per candidate; the median is reported. */
  readonly samples?: number;
  /** Untimed rounds per candidate first. */
  readonly warmup?: number;
}

let sink = 0;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times each candidate in `samples` interleaved rounds of `batch` calls after `warmup` rounds. */
export function compare(candidates: readonly Candidate[], { batch = 20_000, samples = 41, warmup = 5 }: CompareOptions = {}): Measurement[] {
  const round = (candidate: Candidate): number => {
    const start = process.hrtime.bigint();
    sink += candidate.run(batch) ?? 0;
    return Number(process.hrtime.bigint() - start) / batch;
  };
  for (let i = 0; i < warmup; i++) candidates.forEach(round);
  const times = candidates.map(() => [] as number[]);
  for (let s = 0; s < samples; s++) candidates.forEach((candidate, i) => times[i]!.push(round(candidate)));
  if (Number.isNaN(sink)) console.log('(sink)'); // keeps every result observable
  return candidates.map((candidate, i) => ({ name: candidate.name, ns: median(times[i]!) }));
}

/** The unit that shows `ns` with a few significant digits. */
function unitFor(ns: number): { readonly label: string; readonly scale: number } {
  if (ns >= 1e6) return { label: 'ms/call', scale: 1e6 };
  if (ns >= 1e4) return { label: 'µs/call', scale: 1e3 };
  return { label: 'ns/call', scale: 1 };
}

/**
 * Prints a comparison as a table: the median time per call (in the unit the first row needs)
 * and the ratio to the first row. `goals` maps a row's name to the ratio it should stay under;
 * such rows are marked met or missed. Returns the ratios.
 */
export function report(title: string, rows: readonly Measurement[], goals: Readonly<Record<string, number>> = {}): number[] {
  const base = rows[0]!.ns;
  const unit = unitFor(base);
  const width = Math.max(58, ...rows.map((row) => row.name.length));
  console.log(`\n${title}`);
  console.log(`  ${'candidate'.padEnd(width)} ${unit.label.padStart(10)} ${'ratio'.padStart(7)}`);
  for (const row of rows) {
    const ratio = row.ns / base;
    const goal = goals[row.name];
    const mark = goal === undefined ? '' : `  (goal ≤ ${goal}×: ${ratio <= goal ? 'met' : 'missed'})`;
    console.log(`  ${row.name.padEnd(width)} ${(row.ns / unit.scale).toFixed(unit.scale === 1 ? 1 : 3).padStart(10)} ${`${ratio.toFixed(2)}×`.padStart(7)}${mark}`);
  }
  // `npm run bench` collects every table (scripts/bench-report.mjs) through this file.
  const record = process.env['BENCH_RECORD'];
  if (record !== undefined && record !== '') {
    appendFileSync(record, `${JSON.stringify({ title, rows: rows.map((row) => ({ name: row.name, ns: row.ns, ratio: row.ns / base, goal: goals[row.name] })) })}\n`);
  }
  return rows.map((row) => row.ns / base);
}
