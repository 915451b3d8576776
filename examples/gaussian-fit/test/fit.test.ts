import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jaxEngine } from '../src/jaxEngine';
import { runDemo } from '../src/run';
import type { EngineRun } from '../src/run';
import { tfjsEngine } from '../src/tfjsEngine';

// The demo as `npm run demo` runs it (both engines, 300 steps), its printout captured.
const dir = mkdtempSync(join(tmpdir(), 'gaussian-fit-'));
const svgPath = join(dir, 'fit.svg');
const printed: string[] = [];
let runs: EngineRun[] = [];

beforeAll(async () => {
  await jaxEngine.init();
  runs = runDemo({ engines: [tfjsEngine, jaxEngine], svgPath, print: (line) => printed.push(line) }).runs;
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the Gaussian fit', () => {
  it('runs on both engines', () => {
    expect(runs.map((run) => run.engine)).toEqual([tfjsEngine.name, jaxEngine.name]);
  });

  it.each([0, 1])('recovers the true parameters through the rule (engine %i)', (i) => {
    const { params, losses } = runs[i]!.rule;
    expect(params.amplitude).toBeCloseTo(2.5, 1);
    expect(params.pos).toBeCloseTo(0.7, 1);
    expect(params.sigma).toBeCloseTo(1.3, 1);
    // The noise floor: the mean squared error ends near noise² = 0.01.
    expect(losses.at(-1)!).toBeLessThan(0.012);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 20);
  });

  it.each([0, 1])('takes the same steps through the rule as by the engine’s own autodiff (engine %i)', (i) => {
    const { rule, native } = runs[i]!;
    for (const key of ['amplitude', 'pos', 'sigma'] as const) expect(rule.params[key]).toBeCloseTo(native.params[key], 3);
  });

  it('used the rule on every step, and never in the native fit', () => {
    for (const run of runs) {
      expect(run.rule.calls.rrule + run.rule.calls.frule).toBeGreaterThanOrEqual(300);
      expect(run.native.calls).toEqual({ rrule: 0, pullback: 0, frule: 0 });
    }
  });

  it('prints a short summary per engine, with the rule counts, and says where the plot is', () => {
    expect(printed.length).toBeLessThan(30);
    expect(printed.filter((line) => line.includes('the gaussian rule ran: rrule')).length).toBe(2);
    expect(printed.at(-1)).toContain('fit.svg');
  });

  it('writes an SVG with the data, the truth and both fits', () => {
    expect(existsSync(svgPath)).toBe(true);
    const svg = readFileSync(svgPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<circle /g)?.length).toBe(200);
    expect(svg.match(/<path /g)?.length).toBe(3);
    expect(svg).toContain(`fit on ${jaxEngine.name}`);
  });
});
