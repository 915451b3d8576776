import { escapeText } from '../errors';

/**
 * Why a rule-aware call ran its plain function instead of its rule, as a machine-readable code
 * (the rule trace's `fallback.code`, the watch mode's warnings):
 *
 * - `not-differentiating`: no engine was differentiating the call (no TF.js tape recording, no
 *   jax-js transformation tracing its values). Not a problem: nothing needed a derivative.
 * - `no-engine-value`: no value among the arguments and options is one an engine differentiates —
 *   plain numbers, integer tensors, or values held where the search for engine values does not
 *   reach (a function's closure). The engine, if it differentiates anything, differentiates what
 *   the plain function does with such values, or nothing.
 * - `opted-out`: a predicate given to `optOut` opted the call out of the rule; the engine
 *   differentiates the plain function.
 * - `rule-kind-missing`: the rule has no rule of the kind this engine runs (an frule-only rule
 *   under TF.js, which needs an rrule); the engine differentiates the plain function.
 * - `inside-rule`: the call was made inside another rule's rrule, pullback or frule, whose own
 *   derivative covers it; no engine differentiates it there.
 * - `unreported`: the adapter ran the plain function without saying why (an adapter that does
 *   not report reasons).
 *
 * A differentiable value where the rule gives no derivative (a static option) is never a
 * fallback: it is a `RuleError` (`differentiable-in-static`).
 *
 * @example
 * ```ts
 * const { trace } = traceRules(() => tf.grad((x) => softClip(x))(tf.scalar(1)));
 * trace.calls[0]!.fallback?.code; // 'rule-kind-missing' (softClip has only an frule)
 * ```
 */
export type FallbackCode = 'not-differentiating' | 'no-engine-value' | 'opted-out' | 'rule-kind-missing' | 'inside-rule' | 'unreported';

/** Every {@link FallbackCode}, in the order the docs list them. */
export const FALLBACK_CODES: readonly FallbackCode[] = Object.freeze(['not-differentiating', 'no-engine-value', 'opted-out', 'rule-kind-missing', 'inside-rule', 'unreported']);

/** What a fallback's text is made from. */
export interface FallbackContext {
  readonly code: FallbackCode;
  /** The adapter that owned the call, if any. */
  readonly engine: string | undefined;
  /** The kind of rule the owning engine runs, when it runs one kind only. */
  readonly needs: 'rrule' | 'frule' | undefined;
  /** The rule (and its part) whose code the call was made in, for `inside-rule`. */
  readonly within: string | undefined;
}

/** The fallback's reason in words (user-supplied names escaped). */
export function fallbackText({ code, engine, needs, within }: FallbackContext): string {
  const name = engine === undefined ? undefined : escapeText(engine);
  switch (code) {
    case 'not-differentiating':
      return name === undefined ? 'no engine was differentiating the call' : `${name} was not differentiating the call`;
    case 'no-engine-value':
      return name === undefined
        ? 'no value among the arguments and options belongs to an installed engine (plain numbers, or values out of reach, such as in a closure)'
        : `no value among the arguments and options is one ${name} differentiates (plain numbers or integer tensors only)`;
    case 'opted-out':
      return 'an optOut predicate opted the call out of the rule';
    case 'rule-kind-missing':
      return needs === undefined ? 'the rule has no rule of the kind this engine runs' : `the rule has no ${needs}, the kind ${name ?? 'this engine'} runs`;
    case 'inside-rule':
      return `called inside ${within === undefined ? 'another rule' : escapeText(within)}, whose derivative covers it`;
    case 'unreported':
      return `the adapter${name === undefined ? '' : ` ${name}`} ran the plain function without saying why`;
  }
}
