/*
 * The playground page: the demo's Gaussian fit on the engine and backend chosen, drawn live,
 * then the same fit by the engine's own autodiff for the time per step; and the rule editor.
 * The page's state is on `data-` attributes too (`#fit-status[data-state]`, `[data-run]` (the
 * fit's number), `[data-params]`,
 * `#verdict[data-verdict]`), which is what its browser test reads.
 */
import { makeData } from '../src/data';
import type { GaussianParams } from '../src/data';
import { startFit } from '../src/fit';
import type { Engine, FitResult } from '../src/fit';
import { engineOn, offers } from './backends';
import type { Offer } from './backends';
import { drawFit, drawLoss } from './draw';
import { STARTER_RULE, checkRule } from './ruleEditor';

/** Steps of the fit by the engine's own autodiff, timed for the comparison. */
const NATIVE_STEPS = 100;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const data = makeData();
const engineSelect = $<HTMLSelectElement>('engine');
const backendSelect = $<HTMLSelectElement>('backend');
const fitButton = $<HTMLButtonElement>('fit');
const status = $('fit-status');

const setStatus = (state: 'starting' | 'idle' | 'running' | 'done' | 'error', text: string): void => {
  status.dataset['state'] = state;
  status.textContent = text;
};
const showParams = (row: 'truth' | 'fit', params: GaussianParams): void => {
  for (const key of ['amplitude', 'pos', 'sigma'] as const) $(`${row}-${key}`).textContent = params[key].toFixed(3);
};
/** Yields to the browser, so that it draws. */
const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/** Runs `steps` steps of a fit, `onFrame` once a frame (about 30 ms of steps each). */
async function runFit(engine: Engine, use: 'rule' | 'native', steps: number, onFrame: (params: GaussianParams, losses: number[]) => void): Promise<FitResult> {
  const run = startFit(engine, data, use);
  const losses: number[] = [];
  try {
    while (losses.length < steps) {
      const until = performance.now() + 30;
      while (losses.length < steps && performance.now() < until) losses.push(run.step());
      onFrame(run.params, losses);
      await frame();
    }
  } catch (error) {
    run.finish();
    throw error;
  }
  return run.finish();
}

async function fitOnce(): Promise<void> {
  const steps = Math.max(10, Math.min(2000, Number($<HTMLInputElement>('steps').value) || 300));
  const engineName = engineSelect.value as Offer['engine'];
  fitButton.disabled = true;
  status.dataset['run'] = String(Number(status.dataset['run'] ?? 0) + 1);
  setStatus('running', `Fitting on ${engineName} (${backendSelect.value})…`);
  for (const id of ['stat-calls', 'stat-rule-ms', 'stat-native-ms']) $(id).textContent = '…';
  try {
    const engine = await engineOn(engineName, backendSelect.value);
    const rule = await runFit(engine, 'rule', steps, (params, losses) => {
      drawFit($('plot'), data, params);
      drawLoss($('loss'), losses, steps);
      showParams('fit', params);
      $('stat-step').textContent = `${losses.length} / ${steps}`;
      $('stat-loss').textContent = losses.at(-1)!.toFixed(5);
    });
    const { rrule, pullback, frule } = rule.calls;
    $('stat-calls').textContent = `rrule ${rrule}×, pullback ${pullback}×, frule ${frule}×`;
    $('stat-rule-ms').textContent = `${rule.msPerStep.toFixed(3)} ms`;
    setStatus('running', `Timing the same fit by ${engine.name}'s own autodiff…`);
    // Its first NATIVE_STEPS steps are enough for a median time per step.
    const native = await runFit(engine, 'native', Math.min(steps, NATIVE_STEPS), () => {});
    $('stat-native-ms').textContent = `${native.msPerStep.toFixed(3)} ms (the rule: ${(rule.msPerStep / native.msPerStep).toFixed(2)}×)`;
    status.dataset['params'] = JSON.stringify(rule.params);
    status.dataset['calls'] = JSON.stringify(rule.calls);
    setStatus('done', `Fitted on ${engine.name} in ${steps} steps.`);
  } catch (error) {
    setStatus('error', `The fit failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error(error);
  } finally {
    fitButton.disabled = false;
  }
}

function fillBackends(available: readonly Offer[]): void {
  const offer = available.find((o) => o.engine === engineSelect.value);
  backendSelect.replaceChildren(...(offer?.backends ?? []).map((b) => new Option(b, b)));
}

async function start(): Promise<void> {
  showParams('truth', data.truth);
  drawFit($('plot'), data, undefined);
  drawLoss($('loss'), [], 1);
  const ruleCode = $<HTMLTextAreaElement>('rule-code');
  ruleCode.value = STARTER_RULE;
  $('rule-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const verdict = checkRule(ruleCode.value, Number($<HTMLInputElement>('rule-x').value), Number($<HTMLInputElement>('rule-c').value));
    $('verdict').dataset['verdict'] = verdict.pass ? 'pass' : 'fail';
    $('verdict').textContent = verdict.pass ? `testRrule passed: ${verdict.checks.length} checks.` : 'testRrule failed:';
    $('verdict-detail').textContent = verdict.pass ? verdict.checks.join('\n') : verdict.message;
  });

  const available = (await offers()).filter((o) => o.backends.length > 0);
  status.dataset['offers'] = JSON.stringify(available);
  engineSelect.replaceChildren(...available.map((o) => new Option(o.engine, o.engine)));
  fillBackends(available);
  engineSelect.addEventListener('change', () => fillBackends(available));
  $('fit-form').addEventListener('submit', (event) => {
    event.preventDefault();
    void fitOnce();
  });
  setStatus('idle', `Ready: ${available.map((o) => `${o.engine} on ${o.backends.join(', ')}`).join('; ')}.`);
}

void start().catch((error: unknown) => {
  setStatus('error', `The page could not start: ${error instanceof Error ? error.message : String(error)}`);
  console.error(error);
});
