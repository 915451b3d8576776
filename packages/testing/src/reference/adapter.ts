import { installAdapter, installedAdapters, ruleConfig } from '@chainrules/core';
import type { Adapter, RuleConfig } from '@chainrules/core';
import { f64Api } from './f64Api';
import { isF64Array } from './f64Array';
import type { F64Array } from './f64Array';
import { finiteDifferenceAd } from './viaAd';

/**
 * The rule config of the float64 reference: `xp` is {@link f64Api}, both modes available (the
 * rule checks call `rrule` / `frule` with it directly: they are the engine). Core accepts
 * F64Array tangents only while {@link referenceAdapter} is installed, so run rules with it
 * inside {@link withReferenceAdapter}. `rruleViaAd` / `fruleViaAd` differentiate the function
 * they are given by finite differences (see {@link finiteDifferenceAd}; the checks take their
 * settings as `viaAd`).
 *
 * @example
 * ```ts
 * const dx = withReferenceAdapter(() => {
 *   const [, pullback] = rrule(referenceConfig, mySum, f64([1, 2, 3]))!;
 *   return pullback(f64(1))[1];
 * });
 * ```
 */
export const referenceConfig: RuleConfig<F64Array> = ruleConfig({
  xp: f64Api,
  engine: 'f64',
  canReverse: true,
  canForward: true,
  ...finiteDifferenceAd(),
});

/**
 * The adapter of the float64 reference, so that {@link F64Array}s find {@link f64Api} through
 * `namespaceOf` and rule-aware functions accept them. It has no AD of its own: it is never
 * differentiating and runs every call as the plain function.
 *
 * @example
 * ```ts
 * const uninstall = installAdapter(referenceAdapter);
 * namespaceOf(f64([1, 2])).name; // 'f64'
 * uninstall();
 * ```
 */
export const referenceAdapter: Adapter<F64Array> = Object.freeze<Adapter<F64Array>>({
  name: 'f64',
  xp: f64Api,
  config: referenceConfig,
  owns: isF64Array,
  isDifferentiating: () => false,
  invoke: (call) => call.primal(),
});

/**
 * Runs `run` with {@link referenceAdapter} installed: installs it if it is not installed yet
 * and, only then, uninstalls it afterwards (when `run` returns, throws, or, if it returns a
 * promise, when that settles).
 *
 * @example
 * ```ts
 * const xp = withReferenceAdapter(() => namespaceOf(f64([1, 2]))); // f64Api
 * await withReferenceAdapter(async () => { await checkMyRule(); });
 * ```
 */
export function withReferenceAdapter<T>(run: () => T): T {
  if (installedAdapters().includes(referenceAdapter as Adapter)) return run();
  const uninstall = installAdapter(referenceAdapter);
  let settlesLater = false;
  try {
    const result = run();
    if (result instanceof Promise) {
      settlesLater = true;
      return result.finally(uninstall) as T;
    }
    return result;
  } finally {
    if (!settlesLater) uninstall();
  }
}
