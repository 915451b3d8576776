/**
 * Timing helpers every benchmark shares, in Node and in a browser page alike: each candidate
 * runs in batches, the candidates of one comparison take turns (so machine noise falls on all of
 * them), and results are medians of per-call times, as ratios against the first row measured in
 * the same run. tools/measure.ts prints and records them in Node; scripts/bench-browser.mjs
 * collects them from a page.
 */

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
  /**
   * Take turns in an order shuffled anew each round (seeded, the same every run), so that no
   * candidate always runs right after the same one: for candidates whose cost is close to one
   * another's, where a fixed order's bias (the garbage or cache state one leaves the next)
   * would show in the ratio.
   */
  readonly shuffle?: boolean;
}

/** A clock in nanoseconds (Node: `process.hrtime`; a page: `performance.now`). */
export type Clock = () => number;

/** `performance.now()` in nanoseconds: in a page, a coarse clock, so batches must be long. */
export const performanceClock: Clock = () => performance.now() * 1e6;

let sink = 0;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Times each candidate in `samples` interleaved rounds of `batch` calls after `warmup` rounds. */
export function compare(candidates: readonly Candidate[], { batch = 20_000, samples = 41, warmup = 5, shuffle = false }: CompareOptions = {}, clock: Clock = performanceClock): Measurement[] {
  const round = (candidate: Candidate): number => {
    const start = clock();
    sink += candidate.run(batch) ?? 0;
    return (clock() - start) / batch;
  };
  for (let i = 0; i < warmup; i++) candidates.forEach(round);
  const times = candidates.map(() => [] as number[]);
  let seed = 0x2f6b1d;
  const next = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
  for (let s = 0; s < samples; s++) {
    const order = candidates.map((_, i) => i);
    if (shuffle) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    for (const i of order) times[i]!.push(round(candidates[i]!));
  }
  if (Number.isNaN(sink)) console.log('(sink)'); // keeps every result observable
  return candidates.map((candidate, i) => ({ name: candidate.name, ns: median(times[i]!) }));
}

/** One comparison as `npm run bench` records it (scripts/bench-report.mjs reads these). */
export interface Record {
  readonly title: string;
  readonly rows: readonly { readonly name: string; readonly ns: number; readonly ratio: number; readonly goal: number | undefined }[];
}

/** The unit that shows `ns` with a few significant digits. */
function unitFor(ns: number): { readonly label: string; readonly scale: number } {
  if (ns >= 1e6) return { label: 'ms/call', scale: 1e6 };
  if (ns >= 1e4) return { label: 'µs/call', scale: 1e3 };
  return { label: 'ns/call', scale: 1 };
}

/**
 * A comparison as a table: the median time per call (in the unit the first row needs) and the
 * ratio to the first row. `goals` maps a row's name to the ratio it should stay under; such rows
 * are marked met or missed. Returns the table's lines and the record of it.
 */
export function tabulate(title: string, rows: readonly Measurement[], goals: Readonly<{ [name: string]: number }> = {}): { lines: string[]; record: Record } {
  const base = rows[0]!.ns;
  const unit = unitFor(base);
  const width = Math.max(58, ...rows.map((row) => row.name.length));
  const lines = [`\n${title}`, `  ${'candidate'.padEnd(width)} ${unit.label.padStart(10)} ${'ratio'.padStart(7)}`];
  for (const row of rows) {
    const ratio = row.ns / base;
    const goal = goals[row.name];
    const mark = goal === undefined ? '' : `  (goal ≤ ${goal}×: ${ratio <= goal ? 'met' : 'missed'})`;
    lines.push(`  ${row.name.padEnd(width)} ${(row.ns / unit.scale).toFixed(unit.scale === 1 ? 1 : 3).padStart(10)} ${`${ratio.toFixed(2)}×`.padStart(7)}${mark}`);
  }
  return { lines, record: { title, rows: rows.map((row) => ({ name: row.name, ns: row.ns, ratio: row.ns / base, goal: goals[row.name] })) } };
}
