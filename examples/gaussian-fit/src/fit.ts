import { ruleRuns } from '@chainrules/core';
import type { RuleRuns } from '@chainrules/core';
import { gaussian } from '@chainrules/rules';
import { adam } from './adam';
import { start } from './data';
import type { Data, GaussianParams } from './data';

/** One engine's gradient of the mean squared error at `params`. */
export type LossAndGrad = (params: GaussianParams) => { loss: number; grads: GaussianParams };

/** An engine's two ways to the gradient: through the rule, and its own autodiff of the same math. */
export interface Engine {
  readonly name: string;
  /** Makes the gradient function for these data; `dispose` frees what it holds. */
  prepare(data: Data, use: 'rule' | 'native'): { lossAndGrad: LossAndGrad; dispose(): void };
}

export interface FitResult {
  readonly params: GaussianParams;
  readonly losses: readonly number[];
  /** Median wall time of one gradient step, in milliseconds. */
  readonly msPerStep: number;
  /** How often the gaussian rule's parts ran during the fit. */
  readonly calls: RuleRuns;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Fits the Gaussian to `data` with `steps` Adam steps, each gradient from `engine`. */
export function fit(engine: Engine, data: Data, use: 'rule' | 'native', steps: number, progress?: (step: number, loss: number) => void): FitResult {
  const { lossAndGrad, dispose } = engine.prepare(data, use);
  const step = adam();
  const before = ruleRuns(gaussian)!;
  let params = start;
  const losses: number[] = [];
  const times: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      const { loss, grads } = lossAndGrad(params);
      times.push(performance.now() - t0);
      losses.push(loss);
      progress?.(i, loss);
      params = step(params, grads);
    }
  } finally {
    dispose();
  }
  const after = ruleRuns(gaussian)!;
  const calls = { rrule: after.rrule - before.rrule, pullback: after.pullback - before.pullback, frule: after.frule - before.frule };
  return { params, losses, msPerStep: median(times), calls };
}
