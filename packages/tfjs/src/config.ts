import type { Tensor } from '@tensorflow/tfjs-core';
import { RuleError, ruleConfig } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { tfjsApi } from './tfjsApi';
import { tfjsRruleViaAd } from './viaAd';

const forwardUnsupported = (): never => {
  throw new RuleError('unsupported', {
    message: 'TensorFlow.js has no forward mode (no jvp), so cfg.fruleViaAd cannot run under the tfjs adapter.',
    fix: 'Write the rule as an rrule (reverse mode), or run it under an engine with forward mode (the jax-js adapter).',
  });
};

/**
 * The `RuleConfig` rules get under TF.js: `xp` is {@link tfjsApi}, reverse mode only.
 * `rruleViaAd` gives a rule TF.js's own pullback of a function it was handed; `fruleViaAd` exists only to say why it cannot work: calling it is a `RuleError`
 * (`unsupported`).
 *
 * @example
 * ```ts
 * import { rrule } from '@chainrules/core';
 * import { tfjsConfig } from '@chainrules/tfjs';
 *
 * const [y, pullback] = rrule(tfjsConfig, foo, tf.scalar(2), tf.scalar(3))!;
 * ```
 */
export const tfjsConfig: RuleConfig<Tensor> = ruleConfig<Tensor>({
  xp: tfjsApi,
  engine: 'tfjs',
  canReverse: true,
  canForward: false,
  rruleViaAd: tfjsRruleViaAd,
  fruleViaAd: forwardUnsupported,
});
