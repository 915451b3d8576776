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

/** A fit under way: one Adam step at a time, so that a page can draw between steps. */
export interface FitRun {
  /** Takes one step (the gradient from the engine, timed) and returns the loss before it. */
  step(): number;
  /** The parameters now. */
  readonly params: GaussianParams;
  /** Frees what the engine holds and sums the fit up. */
  finish(): FitResult;
}

/** Starts fitting the Gaussian to `data` from the common start, each gradient from `engine`. */
export function startFit(engine: Engine, data: Data, use: 'rule' | 'native'): FitRun {
  const { lossAndGrad, dispose } = engine.prepare(data, use);
  const adamStep = adam();
  const before = ruleRuns(gaussian)!;
  let params = start;
  const losses: number[] = [];
  const times: number[] = [];
  return {
    step() {
      const t0 = performance.now();
      const { loss, grads } = lossAndGrad(params);
      times.push(performance.now() - t0);
      losses.push(loss);
      params = adamStep(params, grads);
      return loss;
    },
    get params() {
      return params;
    },
    finish() {
      dispose();
      const after = ruleRuns(gaussian)!;
      const calls = { rrule: after.rrule - before.rrule, pullback: after.pullback - before.pullback, frule: after.frule - before.frule };
      return { params, losses, msPerStep: median(times), calls };
    },
  };
}

/** Fits the Gaussian to `data` with `steps` Adam steps, each gradient from `engine`. */
export function fit(engine: Engine, data: Data, use: 'rule' | 'native', steps: number, progress?: (step: number, loss: number) => void): FitResult {
  const run = startFit(engine, data, use);
  try {
    for (let i = 0; i < steps; i++) {
      const loss = run.step();
      progress?.(i, loss);
    }
  } catch (error) {
    run.finish();
    throw error;
  }
  return run.finish();
}
