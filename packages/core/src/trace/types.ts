import type { RuleRuns } from '../rules/contracts';
import type { FallbackCode } from './reasons';

/** What ran for a traced call: its rrule, a pullback it returned, its frule, or the plain function. */
export type TracedRun = 'rrule' | 'pullback' | 'frule' | 'primal';

/** Why a traced call ran its plain function: the code and the reason in words. */
export interface TracedFallback {
  /** See {@link FallbackCode}. */
  readonly code: FallbackCode;
  /** The reason in words. */
  readonly text: string;
  /** For `inside-rule`: the rule part whose code made the call (`the rrule of 'outer'`). */
  readonly within?: string;
}

/** An option slot that received a tangent (a cotangent from a pullback, or a tangent handed to an frule). */
export interface TracedTangent {
  /** `kwargs.sigma`, `kwargs.prior.mu`. */
  readonly slot: string;
  /** The shape of the option's value, which its tangent takes (`[]` for a scalar); `undefined` when unknown. */
  readonly shape: readonly number[] | undefined;
}

/** One rule-aware call made while the trace was open (or one direct run of `rrule`/`frule`). */
export interface TracedCall {
  /** Its place in the trace, from 0. */
  readonly index: number;
  /** The rule's name. */
  readonly rule: string;
  /** The adapter that owned the call (`'tfjs'`, `'jax'`), or `undefined` when none did. */
  readonly engine: string | undefined;
  /**
   * How many of the engine's differentiations enclosed the call (0 outside any, 2 in a gradient
   * of a gradient), as its adapter reports it; `undefined` where nothing reports it.
   */
  readonly depth: number | undefined;
  /** What ran, in order (a pullback may run later than the call, and more than once). */
  readonly ran: readonly TracedRun[];
  /**
   * `'error'` when the call threw (see `error`), else `'rule'` when the rrule or frule ran,
   * `'primal'` when the plain function did, `'none'` when nothing ran while the trace was open.
   */
  readonly outcome: 'rule' | 'primal' | 'error' | 'none';
  /** Why the plain function ran, when it did. */
  readonly fallback?: TracedFallback;
  /** The code of the error the call raised (`RuleError` codes), when it threw. */
  readonly error?: string;
  /** The options' slots that received tangents, with their shapes. */
  readonly tangents: readonly TracedTangent[];
  /** True for a direct run of the `rrule`/`frule` contract, not a call of the rule-aware function. */
  readonly direct: boolean;
}

/** The per-rule summary of a trace. */
export interface TracedRuleSummary {
  /** The calls of the rule recorded (rule-aware calls and direct runs). */
  readonly calls: number;
  /** Runs of the rule's parts while the trace was open: equal to `ruleRuns` differences over the same stretch. */
  readonly runs: RuleRuns;
  /** Calls whose plain function ran. */
  readonly primal: number;
  /** Calls that threw. */
  readonly errors: number;
  /** Calls whose plain function ran, by reason. */
  readonly fallbacks: Readonly<Partial<Record<FallbackCode, number>>>;
}
