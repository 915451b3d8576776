import type { Array as JaxArray } from '@jax-js/jax';
import { RuleError } from '@chainrules/core';
import type { RuleCall } from '@chainrules/core/adapter';
import { isJaxValue } from './jaxApi';
import { scopeOpen } from './scope';

/*
 * jax-js's ownership convention, for rule-aware functions: called from jax-js code they
 * consume the jax-js values they are handed — every occurrence, in positional arguments and
 * in options, inside plain records and lists too, as jax-js functions consume the pytrees they
 * are given — whether the call returns or throws. Called inside a rule, a pullback or a
 * rule-aware function's plain function (while an ownership scope is open), they borrow, as
 * `cfg.xp` does, so that engine-neutral rules built of rule-aware calls work unchanged.
 */

/** A node of a jax-js pytree: a list or a plain record (jax-js takes everything else for a leaf). */
const isNode = (value: unknown): value is object => {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

/**
 * The jax-js arrays among the leaves of `value` read as a jax-js pytree (lists and plain records
 * are its nodes, to depth 32), each occurrence once per place it holds: what a jax-js function
 * handed `value` consumes. Not a search for hidden values — that is core's `findValue`.
 */
function pytreeArrays(value: unknown, into: JaxArray[] = [], depth = 0): JaxArray[] {
  if (isJaxValue(value)) into.push(value);
  else if (depth < 32 && isNode(value)) for (const node of Array.isArray(value) ? value : Object.values(value)) pytreeArrays(node, into, depth + 1);
  return into;
}

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
