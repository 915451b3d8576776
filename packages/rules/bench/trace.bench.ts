/**
 * `npm run bench` in packages/rules, third part: what the rule trace costs on a training step of
 * the Gaussian fit (examples/gaussian-fit) — one gradient of the mean squared error through the
 * `gaussian` rule, read back, and one Adam step, on 200 points — with `traceRules` around each
 * step against the same step without (goal ≤ 1.1×), and, for scale, with the watch mode on and
 * the plain step again (the noise between identical rows), taking turns in a shuffled order. On
 * TF.js (`tf.valueAndGrads`, the rrule) and on jax-js (`valueAndGrad`, eager, the frule).
 */
import { traceRules, watchRules } from '@chainrules/core';
import { adam } from '../../../examples/gaussian-fit/src/adam';
import { makeData, start } from '../../../examples/gaussian-fit/src/data';
import type { GaussianParams } from '../../../examples/gaussian-fit/src/data';
import type { Engine } from '../../../examples/gaussian-fit/src/fit';
import { jaxEngine } from '../../../examples/gaussian-fit/src/jaxEngine';
import { tfjsEngine } from '../../../examples/gaussian-fit/src/tfjsEngine';
import { compare, report } from '../../../tools/measure';

console.log(`@chainrules/rules trace benchmark — Node ${process.version}, ${new Date().toISOString()}`);

const data = makeData();
await jaxEngine.init();

/** A training loop of its own (parameters and Adam state), advanced one step per call, each step wrapped by `around`. */
function trainer(lossAndGrad: ReturnType<Engine['prepare']>['lossAndGrad'], around: (step: () => void) => void): (n: number) => number {
  const step = adam();
  let params: GaussianParams = start;
  return (n) => {
    let loss = 0;
    for (let i = 0; i < n; i++) {
      around(() => {
        const out = lossAndGrad(params);
        loss += out.loss;
        params = step(params, out.grads);
      });
    }
    return loss;
  };
}

for (const engine of [tfjsEngine, jaxEngine]) {
  const { lossAndGrad, dispose } = engine.prepare(data, 'rule');
  const watched = (step: () => void): void => {
    const stop = watchRules({ warn: () => {} });
    try {
      step();
    } finally {
      stop();
    }
  };
  report(
    `${engine.name} — Gaussian fit training step (examples/gaussian-fit, 200 points): the rule trace on against off`,
    compare(
      [
        { name: 'training step', run: trainer(lossAndGrad, (step) => step()) },
        { name: 'training step inside traceRules', run: trainer(lossAndGrad, (step) => void traceRules(step)) },
        { name: 'training step with the watch mode on (for scale)', run: trainer(lossAndGrad, watched) },
        // The first row again, last in each round: how far two identical rows differ on this machine.
        { name: 'training step, again (the noise between identical rows)', run: trainer(lossAndGrad, (step) => step()) },
      ],
      { batch: 5, samples: 151, warmup: 10, shuffle: true },
    ),
    { 'training step inside traceRules': 1.1 },
  );
  dispose();
}
