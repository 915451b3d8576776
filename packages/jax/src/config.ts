import type { Array as JaxArray } from '@jax-js/jax';
import { ruleConfig } from '@chainrules/core';
import type { RuleConfig } from '@chainrules/core';
import { jaxApi } from './jaxApi';

/**
 * The rule config of jax-js: rules compute with {@link jaxApi}; jax-js runs forward mode (the
 * frule) and reverse mode by transposing it.
 *
 * @example
 * ```ts
 * jaxConfig.engine; // 'jax'
 * ```
 */
export const jaxConfig: RuleConfig<JaxArray> = ruleConfig({ xp: jaxApi, engine: 'jax', canReverse: true, canForward: true });
