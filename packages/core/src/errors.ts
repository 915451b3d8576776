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
 * - `missing-tangent`: a pullback that owes a tangent (an argument, a passed differentiable option)
 *   and gave none, or gave `NoTangent` (no derivative) for a value that has one; an frule whose ẏ
 *   is `NoTangent` while an input tangent is not zero.
 * - `tangent-for-static`: a tangent for a static option, a string, a flag.
 * - `unknown-tangent-field`: a tangent field for an option the schema does not declare.
 * - `tangent-mismatch`: a tangent of the wrong kind (a record tangent for a number, …).
 * - `differentiable-in-static`: an engine value an adapter would differentiate, in a static option
 *   or an argument the rule declares static (`staticArgs`).
 * - `wrong-shape`: a cotangent that cannot be brought to its input's shape (a smaller one is never
 *   broadcast up).
 * - `disposed`: an engine value that was already freed — or, on an engine whose functions consume
 *   their arguments (jax-js), an array handed to a call more often than the caller held references.
 * - `mixed-engines`: values of two engines in one call.
 * - `no-namespace`: a value no installed adapter owns, where an array was expected.
 * - `unsupported`: an operation the namespace or engine cannot perform (forward mode on a
 *   reverse-only engine, `matmul` on plain numbers, …).
 * - `adapter-conflict`: a second adapter installed under a name already taken.
 * - `not-implemented`: a derivative the rule marks `notImplemented(reason)`, needed by an engine.
 * - `not-converged`: an iterative computation (a solver, a fixed point, the adjoint system of its
 *   rule) that did not reach its tolerance within its iteration limit — never a silent result.
 * - `unsearchable`: a value the adapter must search for engine values (an option, a container
 *   argument) that cannot be searched to the end — a `WeakMap`, a `WeakSet`, a `Promise`, or
 *   nesting deeper (or larger) than the search's limits — while an engine differentiates, where a
 *   hidden engine value would silently get no derivative.
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
  | 'adapter-conflict'
  | 'unsearchable'
  | 'not-implemented'
  | 'not-converged';

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
 * Characters that must not reach a terminal or a log raw: C0 and C1 controls (escape sequences,
 * newlines that forge log lines), the line and paragraph separators, and the bidirectional
 * overrides and isolates that reorder what a reader sees.
 */
// eslint-disable-next-line no-control-regex -- the control characters are what it finds
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control, separator and bidirectional-override character written as a
 * `\uXXXX` escape, so that user strings (option keys, rule names, values) shown in an error
 * cannot move a terminal's cursor, clear it, forge a log line or reorder the text around them.
 *
 * @example
 * ```ts
 * escapeText('a\u001b[2Jb'); // 'a\\u001b[2Jb'
 * ```
 */
export function escapeText(text: string): string {
  return text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const escaped = (text: string | undefined): string | undefined => (text === undefined ? undefined : escapeText(String(text)));

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
    // Rule names, option keys and values come from users: every text is escaped (escapeText).
    const rule = escaped(details.rule);
    const slot = escaped(details.slot);
    const fix = escaped(details.fix);
    const where = [rule === undefined ? undefined : `rule '${rule}'`, slot === undefined ? undefined : `slot ${slot}`].filter((part) => part !== undefined);
    const head = where.length > 0 ? `${where.join(', ')}: ` : '';
    const tail = fix === undefined ? '' : ` ${fix}`;
    super(`[${code}] ${head}${escapeText(String(details.message))}${tail}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'RuleError';
    this.code = code;
    this.rule = rule;
    this.slot = slot;
    this.fix = fix;
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
