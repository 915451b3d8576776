import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';
import type { RuleCall } from '@chainrules/core/adapter';
import { pytreeArrays } from './pytree';
import { scopeOpen } from './scope';

/*
 * jax-js's ownership convention, for rule-aware functions: called from jax-js code they
 * consume the jax-js values they are handed — every occurrence, in positional arguments and
 * in options, inside plain records and lists too, as jax-js functions consume the pytrees they
 * are given — whether the call returns or throws. Called inside a rule, a pullback or a
 * rule-aware function's plain function (while an ownership scope is open), they borrow, as
 * `cfg.xp` does, so that engine-neutral rules built of rule-aware calls work unchanged.
 */

/**
 * The jax-js values `call` consumes when it returns or throws: each occurrence in its
 * arguments and options — or none, when the call is made inside a rule, where it borrows.
 */
export function consumedBy(call: RuleCall): JaxArray[] {
  if (scopeOpen()) return [];
  return pytreeArrays(call.options, pytreeArrays(call.args));
}

/**
 * Drops the caller's reference to each value. A value freed already means the caller handed
 * one array more often than it held references to it: a `RuleError` ('disposed') says so —
 * unless the call failed, when the caller's error is the one to report.
 */
export function release(values: readonly JaxArray[], failed: boolean, rule: string): void {
  for (const value of values) {
    try {
      value.dispose();
    } catch (error) {
      if (failed) continue;
      throw new RuleError('disposed', {
        rule,
        message: 'a jax-js array was handed to the call more often than the caller held references to it: rule-aware functions consume each occurrence of an array they are handed, as jax-js functions do.',
        fix: 'Pass x.ref for every occurrence but the last one (foo(x.ref, x.ref, { c: x })), and x.ref for an array you use again after the call.',
        cause: error,
      });
    }
  }
}
