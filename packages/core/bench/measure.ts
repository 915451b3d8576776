/**
 * Timing helpers for the benchmark scripts: each candidate runs in batches, the candidates of
 * one comparison take turns (so machine noise falls on all of them), and results are medians
 * of per-call times, reported as ratios against a baseline measured in the same run.
 */
export interface Candidate {
  readonly name: string;
  /** Runs the operation `n` times and returns something derived from every result. */
  readonly run: (n: number) => number;
}

export interface Measurement {
  readonly name: string;
  /** Median nanoseconds per call. */
  readonly ns: number;
}

let sink = 0;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times each candidate in `samples` interleaved rounds of `batch` calls after a warm-up. */
export function compare(candidates: readonly Candidate[], { batch = 20_000, samples = 41, warmup = 5 } = {}): Measurement[] {
  for (let i = 0; i < warmup; i++) for (const candidate of candidates) sink += candidate.run(batch);
  const times = candidates.map(() => [] as number[]);
  for (let s = 0; s < samples; s++) {
    candidates.forEach((candidate, i) => {
      const start = process.hrtime.bigint();
      sink += candidate.run(batch);
      times[i]!.push(Number(process.hrtime.bigint() - start) / batch);
    });
  }
  if (Number.isNaN(sink)) console.log('(sink)'); // keeps every result observable
  return candidates.map((candidate, i) => ({ name: candidate.name, ns: median(times[i]!) }));
}

/** Prints a comparison as a table: median ns per call and the ratio to the first row. */
export function report(title: string, rows: readonly Measurement[], goal?: { readonly row: string; readonly ratio: number }): number[] {
  const base = rows[0]!.ns;
  console.log(`\n${title}`);
  console.log(`  ${'candidate'.padEnd(58)} ${'ns/call'.padStart(9)} ${'ratio'.padStart(7)}`);
  for (const row of rows) {
    const ratio = row.ns / base;
    const mark = goal !== undefined && row.name === goal.row ? (ratio <= goal.ratio ? `  (goal ≤ ${goal.ratio}×: met)` : `  (goal ≤ ${goal.ratio}×: missed)`) : '';
    console.log(`  ${row.name.padEnd(58)} ${row.ns.toFixed(1).padStart(9)} ${`${ratio.toFixed(2)}×`.padStart(7)}${mark}`);
  }
  return rows.map((row) => row.ns / base);
}
