import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { makeData, start } from './data';
import type { Data, GaussianParams } from './data';
import { fit } from './fit';
import type { Engine, FitResult } from './fit';
import { plotSvg } from './svg';

/** What the demo measured on one engine: the fit through the rule and the native one. */
export interface EngineRun {
  readonly engine: string;
  readonly rule: FitResult;
  readonly native: FitResult;
}

export interface DemoOptions {
  readonly engines: readonly Engine[];
  readonly steps?: number;
  /** Where the SVG goes. */
  readonly svgPath: string;
  readonly print?: (line: string) => void;
  /** Shows the running loss on one line (a terminal); otherwise only the summary lines print. */
  readonly live?: boolean;
}

const show = (params: GaussianParams) => `amplitude ${params.amplitude.toFixed(3)}  pos ${params.pos.toFixed(3)}  sigma ${params.sigma.toFixed(3)}`;

/** Fits the Gaussian on each engine, through the rule and natively, prints a summary and writes the plot. */
export function runDemo({ engines, steps = 300, svgPath, print = console.log, live = false }: DemoOptions): { data: Data; runs: EngineRun[] } {
  const data = makeData();
  print(`Fitting amplitude · exp(−(x − pos)² / (2σ²)) to ${data.x.length} noisy points (seed ${data.seed}) with ${steps} Adam steps;`);
  print('the gradient comes from the gaussian rule, whose pullback returns the derivatives for its options.');
  print(`  truth   ${show(data.truth)}`);
  print(`  start   ${show(start)}\n`);
  const runs: EngineRun[] = [];
  for (const engine of engines) {
    print(engine.name);
    const progress = live
      ? (step: number, loss: number) => {
          if (step % 10 === 0 || step === steps - 1) process.stdout.write(`\r  step ${String(step + 1).padStart(4)}/${steps}  loss ${loss.toFixed(5)}`);
        }
      : undefined;
    const rule = fit(engine, data, 'rule', steps, progress);
    if (live) process.stdout.write('\r\x1b[K');
    const native = fit(engine, data, 'native', steps);
    const at = (i: number) => `${i}: ${rule.losses[i]!.toFixed(4)}`;
    print(`  loss    ${[0, Math.floor(steps / 3), Math.floor((2 * steps) / 3), steps - 1].map(at).join(' → ')}`);
    print(`  fitted  ${show(rule.params)}`);
    print(`  the gaussian rule ran: rrule ${rule.calls.rrule}×, pullback ${rule.calls.pullback}×, frule ${rule.calls.frule}× (the native fit: ${native.calls.rrule + native.calls.frule}×)`);
    print(`  time per step: ${rule.msPerStep.toFixed(3)} ms through the rule, ${native.msPerStep.toFixed(3)} ms by the engine's own autodiff (${(rule.msPerStep / native.msPerStep).toFixed(2)}×)\n`);
    runs.push({ engine: engine.name, rule, native });
  }
  // The fits land on each other: each later one is drawn narrower on top, the truth dashed over all.
  const colors = ['#e8710a', '#1a73e8', '#188038'];
  const svg = plotSvg(data, [
    ...runs.map((run, i) => ({ label: `fit on ${run.engine}`, color: colors[i % colors.length]!, params: run.rule.params, width: 6 - 3 * i })),
    { label: 'truth', color: 'black', params: data.truth, dashed: true, width: 1.5 },
  ]);
  mkdirSync(dirname(svgPath), { recursive: true });
  writeFileSync(svgPath, svg);
  print(`Plot of the data, the truth and the fits: ${relative(process.env['INIT_CWD'] ?? process.cwd(), svgPath)}`);
  return { data, runs };
}
