import { escapeText } from '../errors';
import { closeObserverIfIdle, openObserver } from './observer';
import type { Observer, WatchState } from './observer';
import { registry } from '../internal/registry';
import type { FallbackCode } from './reasons';

/** What the watch mode reports: a rule-aware call that ran its plain function while an engine differentiated. */
export interface RuleFallbackWarning {
  /** The rule's name. */
  readonly rule: string;
  /** The adapter that owned the call, or `undefined`. */
  readonly engine: string | undefined;
  /** Why (`opted-out`, `rule-kind-missing`, `no-engine-value`, `unreported`). */
  readonly code: FallbackCode;
  /** The reason in words. */
  readonly text: string;
  /** One line saying all of it, as the default handler prints it. */
  readonly message: string;
}

/** Options of {@link watchRules}. */
export interface WatchOptions {
  /** Receives each warning (once per rule and reason); `console.warn` of its message by default. */
  readonly warn?: (warning: RuleFallbackWarning) => void;
}

const defaultWarn = (warning: RuleFallbackWarning): void => console.warn(warning.message);

/**
 * Turns on the watch mode, for development: from now on, a rule-aware call that runs its plain
 * function while an engine differentiates — because an `optOut` predicate fired
 * (`opted-out`), the rule lacks the kind of rule the engine runs (`rule-kind-missing`: an
 * frule-only rule under TF.js), no value the engine differentiates was passed
 * (`no-engine-value`), or its adapter gave no reason (`unreported`) — is reported once per rule
 * and reason, to `warn` (`console.warn` by default). Calls with no differentiation running, and
 * calls made inside another rule's code, are not reported. Returns a function that turns the
 * watch mode off again; calling `watchRules` again replaces the handler and forgets what was
 * reported. Off by default: while it is off (and no trace is open), rule-aware calls pay one check.
 *
 * @example
 * ```ts
 * const stop = watchRules();
 * tf.grad((x) => softClip(x))(tf.scalar(1));
 * // console.warn: [chainrules] rule 'softClip' ran its plain function while tfjs differentiated it (rule-kind-missing: the rule has no rrule, the kind tfjs runs). Reported once per rule and reason.
 * stop();
 * ```
 */
export function watchRules(options: WatchOptions = {}): () => void {
  const handler = options.warn ?? defaultWarn;
  const warn: WatchState['warn'] = ({ rule, engine, code, text }) => {
    const message = `[chainrules] rule '${escapeText(rule)}' ran its plain function while ${engine === undefined ? 'an engine' : escapeText(engine)} differentiated it (${code}: ${text}). Reported once per rule and reason.`;
    handler(Object.freeze({ rule, engine, code, text, message }));
  };
  const state: WatchState = { warn, warned: new Set() };
  openObserver().watch = state;
  return () => {
    const observer = registry.observer as Observer | undefined;
    if (observer?.watch === state) {
      observer.watch = undefined;
      closeObserverIfIdle();
    }
  };
}
