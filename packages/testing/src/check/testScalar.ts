import type { AnyFunction } from '@chainrules/core';
import { ruleCallOf } from '@chainrules/core/adapter';
import { withReferenceAdapter } from '../reference/adapter';
import type { RuleCheckOptions, RuleCheckReport } from './context';
import { RuleCheckError } from './ruleCheckError';
import { testFrule } from './testFrule';
import { testRrule } from './testRrule';
import { describeShort } from './tree';

/**
 * Checks the rules of a scalar function `f(x)` (options allowed) at the number `x`: its
 * rrule with {@link testRrule} and its frule with {@link testFrule}, whichever it has (at
 * least one), and that it maps a number to a number.
 *
 * @example
 * ```ts
 * testScalar(softplus, 0.3);
 * testScalar(huber, 2.5, { kwargs: { delta: 1 } });
 * ```
 */
export function testScalar(f: AnyFunction, x: number, options: RuleCheckOptions = {}): RuleCheckReport {
  return withReferenceAdapter(() => {
    const fail = (message: string): never => {
      const name = typeof f === 'function' && f.name !== '' ? f.name : 'anonymous';
      throw new RuleCheckError({ kind: 'primal', rule: name, slot: 'args[0]', message: `testScalar(${name}): ${message}` });
    };
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(`x must be a finite number, got ${describeShort(x)}.`);
    const args = options.kwargs === undefined ? [x] : [x, options.kwargs];
    let hasReverse = false;
    let hasForward = false;
    try {
      const call = ruleCallOf(f, ...args);
      hasReverse = call.hasReverse;
      hasForward = call.hasForward;
    } catch {
      // testRrule below reports a function with no rule.
    }
    let y: unknown;
    try {
      y = f(...args);
    } catch (error) {
      const name = typeof f === 'function' && f.name !== '' ? f.name : 'anonymous';
      throw new RuleCheckError({ kind: 'rule-error', rule: name, message: `testScalar(${name}): f(${x}) threw ${error instanceof Error ? error.message : String(error)}`, cause: error });
    }
    if (typeof y !== 'number') fail(`f(${x}) returned ${describeShort(y)}, not a number.`);
    const checks: string[] = ['number to number'];
    let rule = '';
    if (hasReverse || !hasForward) {
      const report = testRrule(f, [x], options);
      rule = report.rule;
      checks.push(...report.checks.map((check) => `rrule: ${check}`));
    }
    if (hasForward) {
      const report = testFrule(f, [x], options);
      rule = report.rule;
      checks.push(...report.checks.map((check) => `frule: ${check}`));
    }
    return { rule, checks };
  });
}
