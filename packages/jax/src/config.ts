import type { Array as JaxArray } from '@jax-js/jax';
import { ruleConfig } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { jaxApi } from './jaxApi';
import { jaxFruleViaAd, jaxRruleViaAd } from './viaAd';

/**
 * The rule config of jax-js: rules compute with {@link jaxApi}; jax-js runs forward mode (the
 * frule) and reverse mode by transposing it; `rruleViaAd` / `fruleViaAd` give a rule jax-js's own
 * `vjp` / `jvp` of a function it was handed.
 *
 * @example
 * ```ts
 * jaxConfig.engine; // 'jax'
 * ```
 */
export const jaxConfig: RuleConfig<JaxArray> = ruleConfig({ xp: jaxApi, engine: 'jax', canReverse: true, canForward: true, rruleViaAd: jaxRruleViaAd, fruleViaAd: jaxFruleViaAd });
