import { RuleError } from '../errors';
import { INSPECT, brandOf } from './brands';

const NOT_IMPLEMENTED = Symbol.for('chainrules.NotImplemented');
/** The prototype of every NotImplemented: it carries the brand, and makes them no plain objects. */
const PROTOTYPE: object = Object.freeze(Object.assign(Object.create(null) as object, { [NOT_IMPLEMENTED]: true }));

/**
 * A derivative the rule leaves unimplemented (ChainRulesCore's `@not_implemented`): a rule may
 * return it in any slot — a pullback's argument or option cotangent, an frule's ẏ — for a
 * derivative it does not provide (with respect to a solver's tolerance, a rarely differentiated
 * parameter). Nothing fails while nobody needs it; when an engine does need it (projecting it
 * onto an input it differentiates, an frule whose input moves), the call is a `RuleError`
 * (`not-implemented`) with the rule, the slot and the reason. `add` and `scale` carry it along.
 */
export interface NotImplemented {
  readonly kind: 'NotImplemented';
  /** Why the derivative is not implemented, as the rule says it. */
  readonly reason: string;
}

/**
 * Marks a derivative as not implemented, with the reason shown when an engine needs it.
 *
 * @example
 * ```ts
 * (dy) => ({ args: [xp.multiply(dy, slope)], kwargs: new Tangent({ tol: notImplemented('the solver tolerance has no derivative here') }) })
 * ```
 */
export function notImplemented(reason: string): NotImplemented {
  // Not a plain object (its prototype is its own), so it is never taken for an options record.
  return Object.freeze(
    Object.assign(Object.create(PROTOTYPE) as object, {
      kind: 'NotImplemented',
      reason: String(reason),
      [INSPECT]: () => `NotImplemented(${String(reason)})`,
      toString: () => `NotImplemented(${String(reason)})`,
    }),
  ) as NotImplemented;
}

/**
 * True for a {@link NotImplemented} derivative from any copy of core.
 *
 * @example
 * ```ts
 * isNotImplemented(notImplemented('no derivative for tol')); // true
 * ```
 */
export function isNotImplemented(value: unknown): value is NotImplemented {
  return typeof value === 'object' && value !== null && brandOf(value, NOT_IMPLEMENTED) === true;
}

/** The error for a derivative a rule left unimplemented, now that an engine needs it. */
export function notImplementedError(value: NotImplemented, rule: string | undefined, slot: string | undefined): RuleError {
  return new RuleError('not-implemented', {
    rule,
    slot,
    message: `the derivative here is not implemented by the rule (${value.reason}), and the engine needs it.`,
    fix: 'Keep this value out of what is differentiated (pass it as a plain value or a static option), or implement its derivative in the rule.',
  });
}
