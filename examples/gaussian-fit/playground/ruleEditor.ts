/*
 * The rule editor: the code in the text area is a JavaScript expression that defines a rule
 * with `defineRule` (its option `c` differentiable), checked by `testRrule` at the x and c given.
 */
import { z } from 'zod';
import { Tangent, defineRule, kw, namespaceOf } from '@chainrules/core';
import { isRuleCheckError, testRrule } from '@chainrules/testing';

/** What the editor shows first: a correct rule. */
export const STARTER_RULE = `// scaled(x, { c }) = c·x², with a derivative for its option c.
defineRule((x, { c = 1 } = {}) => c * x * x, {
  name: 'scaled',
  kwargs: z.object({ c: kw.diff().default(1) }),
  rrule: (_cfg, { c }, x) => [
    c * x * x,
    (dy) => ({ args: [dy * 2 * c * x], kwargs: new Tangent({ c: dy * x * x }) }),
  ],
})`;

/** The verdict on a rule: passed with the checks made, or failed with the message. */
export type Verdict = { readonly pass: true; readonly checks: readonly string[] } | { readonly pass: false; readonly message: string };

/** Evaluates `code` to a rule-aware function and checks it with `testRrule(f, [x], { kwargs: { c } })`. */
export function checkRule(code: string, x: number, c: number): Verdict {
  try {
    // The user's own code, in the user's own page: the editor's reason to exist.
    const make = new Function('defineRule', 'kw', 'z', 'Tangent', 'namespaceOf', `"use strict"; return (${code}\n);`) as (...scope: unknown[]) => unknown;
    const f = make(defineRule, kw, z, Tangent, namespaceOf);
    if (typeof f !== 'function') return { pass: false, message: 'The code must be an expression whose value is the function defineRule returns.' };
    const report = testRrule(f as (x: number, options: { c: number }) => number, [x], { kwargs: { c } });
    return { pass: true, checks: report.checks };
  } catch (error) {
    if (isRuleCheckError(error)) return { pass: false, message: error.message };
    return { pass: false, message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}
