import { escapeText } from '@chainrules/core';

const RULE_CHECK_ERROR = Symbol.for('chainrules.testing.RuleCheckError');

/**
 * What a rule check found wrong, by kind:
 * - `no-rule`: the function has no rule of the kind checked (or opted out at these inputs).
 * - `primal`: the rule's primal output differs from the function's.
 * - `cotangent` / `tangent`: a derivative disagrees with finite differences.
 * - `zero-kind`: `NoTangent` where a derivative exists, or `ZeroTangent` (or a value) where none does.
 * - `tangent-kind`: a tangent of the wrong kind or shape (a number for an array input, …).
 * - `thunk`: a thunked cotangent or tangent gave a different result.
 * - `accumulation`: core's `add` cannot accumulate the tangent as it should.
 * - `duality`: frule and rrule disagree: ⟨ȳ, ẏ⟩ ≠ Σ⟨x̄ᵢ, ẋᵢ⟩.
 * - `mutation`: the rule changed one of its inputs.
 * - `rule-error`: the rule (or core checking it) threw; the `RuleError` is the `cause`.
 * - `engine`: a check through an engine (the `engine` option) could not run there: the engine
 *   lacks the mode checked (TF.js has no forward mode), failed, or leaked (its `around` check).
 * - `not-run`: through an engine, core's run counters show the engine never ran the rule (it
 *   differentiated the plain function, or nothing).
 */
export type RuleCheckKind =
  | 'no-rule'
  | 'primal'
  | 'cotangent'
  | 'tangent'
  | 'zero-kind'
  | 'tangent-kind'
  | 'thunk'
  | 'accumulation'
  | 'duality'
  | 'mutation'
  | 'rule-error'
  | 'engine'
  | 'not-run';

/** What a {@link RuleCheckError} is built from. */
export interface RuleCheckDetails {
  readonly kind: RuleCheckKind;
  readonly rule: string;
  /** `args[1]`, `kwargs.prior.mu`, `self`, `y`: where the problem is. */
  readonly slot?: string | undefined;
  readonly message: string;
  readonly expected?: unknown;
  readonly got?: unknown;
  readonly cause?: unknown;
}

/**
 * The failure of a rule check: a plain `Error` subclass, so it fails a vitest test, a
 * `node:test` test or a script the same way. `kind`, `rule` and `slot` say what and where;
 * the message adds expected vs got, the direction and the finite-difference steps used, and
 * the seed that reproduces it.
 *
 * @example
 * ```ts
 * try {
 *   testRrule(foo, [2, 3], { kwargs: { c: 4 } });
 * } catch (error) {
 *   if (isRuleCheckError(error)) console.log(error.kind, error.slot); // e.g. 'cotangent' 'kwargs.c'
 * }
 * ```
 */
export class RuleCheckError extends Error {
  override readonly name = 'RuleCheckError';
  readonly kind: RuleCheckKind;
  readonly rule: string;
  readonly slot: string | undefined;
  readonly expected: unknown;
  readonly got: unknown;

  constructor(details: RuleCheckDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = details.kind;
    // Rule names and slots come from users: escaped (see escapeText in core).
    this.rule = escapeText(details.rule);
    this.slot = details.slot === undefined ? undefined : escapeText(details.slot);
    this.expected = details.expected;
    this.got = details.got;
  }

  /** Brand shared by every copy of the package. */
  get [RULE_CHECK_ERROR](): true {
    return true;
  }
}

/**
 * True for a {@link RuleCheckError} from any copy of the package.
 *
 * @example
 * ```ts
 * isRuleCheckError(new Error('x')); // false
 * ```
 */
export function isRuleCheckError(value: unknown): value is RuleCheckError {
  return value instanceof RuleCheckError || (typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RULE_CHECK_ERROR] === true);
}

/**
 * The `RuleCheckError` that `run` (a check of a rule it should fail) throws; a check that passes
 * throws an Error naming `what`, and any other error passes through. For tests of the checks
 * and for the conformance suite's cases; not exported by the package.
 */
export function expectCheckFailure(run: () => unknown, what = 'the check'): RuleCheckError {
  try {
    run();
  } catch (error) {
    if (isRuleCheckError(error)) return error;
    throw error;
  }
  throw new Error(`${what} passed a rule it should have failed`);
}
