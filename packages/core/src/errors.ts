/**
 * Every way a rule, a call or an adapter can go wrong, as a machine-readable code.
 *
 * - `invalid-rule`: a `defineRule` spec that cannot work (no rule, a bad schema).
 * - `invalid-options`: the options argument is not a plain object.
 * - `forbidden-option-key`: an options object has a key like `__proto__` or `constructor`.
 * - `unknown-option`: an option key the rule's schema does not declare.
 * - `invalid-option`: an option value the schema rejects (zod's issues are in the message).
 * - `undeclared-option`: options passed to a rule that declares none.
 * - `wrong-slot-count`: a pullback or a tangent tuple with the wrong number of slots.
 * - `missing-tangent`: a pullback that owes a tangent (a passed differentiable option) and gave none.
 * - `tangent-for-static`: a tangent for a static option, a string, a flag.
 * - `unknown-tangent-field`: a tangent field for an option the schema does not declare.
 * - `tangent-mismatch`: a tangent of the wrong kind (a record tangent for a number, …).
 * - `differentiable-in-static`: an engine value an adapter would differentiate, in a static option.
 * - `wrong-shape`: a cotangent that cannot be brought to its input's shape.
 * - `disposed`: an engine value that was already freed.
 * - `mixed-engines`: values of two engines in one call.
 * - `no-namespace`: a value no installed adapter owns, where an array was expected.
 * - `unsupported`: an operation the namespace or engine cannot perform (forward mode on a
 *   reverse-only engine, `matmul` on plain numbers, …).
 * - `adapter-conflict`: a second adapter installed under a name already taken.
 */
export type RuleErrorCode =
  | 'invalid-rule'
  | 'invalid-options'
  | 'forbidden-option-key'
  | 'unknown-option'
  | 'invalid-option'
  | 'undeclared-option'
  | 'wrong-slot-count'
  | 'missing-tangent'
  | 'tangent-for-static'
  | 'unknown-tangent-field'
  | 'tangent-mismatch'
  | 'differentiable-in-static'
  | 'wrong-shape'
  | 'disposed'
  | 'mixed-engines'
  | 'no-namespace'
  | 'unsupported'
  | 'adapter-conflict';

/** What a {@link RuleError} is built from. */
export interface RuleErrorDetails {
  /** What went wrong, in one sentence. */
  readonly message: string;
  /** The rule's name, where a rule is involved. */
  readonly rule?: string | undefined;
  /** The slot or option key: `args[1]`, `kwargs.c`, `kwargs.prior.mu`, `self`. */
  readonly slot?: string | undefined;
  /** How to fix it. */
  readonly fix?: string | undefined;
  /** The original error. */
  readonly cause?: unknown;
}

const RULE_ERROR = Symbol.for('chainrules.RuleError');

/**
 * The one error class of chainrules-ts: a typed `code`, the rule's name, the slot or option key,
 * and how to fix it. Recognise it with {@link isRuleError} (works across two copies of core).
 *
 * @example
 * ```ts
 * try { rrule(kwcall, { c: 3, typo: 1 }, foo, 2, 3); }
 * catch (e) { if (isRuleError(e) && e.code === 'unknown-option') console.log(e.slot); } // 'kwargs.typo'
 * ```
 */
export class RuleError extends Error {
  /** Machine-readable cause; see {@link RuleErrorCode}. */
  readonly code: RuleErrorCode;
  /** The rule's name, or `undefined` where no rule is involved. */
  readonly rule: string | undefined;
  /** The argument slot or option key, or `undefined`. */
  readonly slot: string | undefined;
  /** What to do about it. */
  readonly fix: string | undefined;

  constructor(code: RuleErrorCode, details: RuleErrorDetails) {
    const where = [
      details.rule === undefined ? undefined : `rule '${details.rule}'`,
      details.slot === undefined ? undefined : `slot ${details.slot}`,
    ].filter((part) => part !== undefined);
    const head = where.length > 0 ? `${where.join(', ')}: ` : '';
    const tail = details.fix === undefined ? '' : ` ${details.fix}`;
    super(`[${code}] ${head}${details.message}${tail}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RuleError';
    this.code = code;
    this.rule = details.rule;
    this.slot = details.slot;
    this.fix = details.fix;
  }

  /** Brand shared by every copy of core, so `isRuleError` works across them. */
  get [RULE_ERROR](): true {
    return true;
  }
}

/**
 * True for a {@link RuleError} from any copy of `@chainrules/core`.
 *
 * @example
 * ```ts
 * if (isRuleError(e)) console.error(e.code, e.rule, e.slot);
 * ```
 */
export function isRuleError(value: unknown): value is RuleError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RULE_ERROR] === true;
}
