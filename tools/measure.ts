/**
 * The benchmark scripts' Node side: comparisons timed with `process.hrtime` (see compare.ts),
 * printed as tables and recorded for `npm run bench` (scripts/bench-report.mjs).
 */
import { appendFileSync } from 'node:fs';
import { compare as compareWith, tabulate } from './compare';
import type { Candidate, CompareOptions, Measurement, Record } from './compare';

export type { Candidate, CompareOptions, Measurement } from './compare';

const hrtime = (): number => Number(process.hrtime.bigint());

/** Times each candidate in `samples` interleaved rounds of `batch` calls after `warmup` rounds. */
export function compare(candidates: readonly Candidate[], options: CompareOptions = {}): Measurement[] {
  return compareWith(candidates, options, hrtime);
}

/** Appends a comparison to the file `npm run bench` collects every table through (`BENCH_RECORD`). */
export function record(entry: Record): void {
  const file = process.env['BENCH_RECORD'];
  if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(entry)}\n`);
}

/**
 * Prints a comparison as a table: the median time per call (in the unit the first row needs)
 * and the ratio to the first row. `goals` maps a row's name to the ratio it should stay under;
 * such rows are marked met or missed. Returns the ratios.
 */
export function report(title: string, rows: readonly Measurement[], goals: Readonly<{ [name: string]: number }> = {}): number[] {
  const table = tabulate(title, rows, goals);
  for (const line of table.lines) console.log(line);
  record(table.record);
  return table.record.rows.map((row) => row.ratio);
}
