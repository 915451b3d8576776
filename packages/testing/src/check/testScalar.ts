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
 * least one), and that it maps a number to a number. With `engine`, both run through that
 * engine; an engine without forward mode (TF.js) checks the rrule only, and the report says so.
 *
 * @example
 * ```ts
 * testScalar(softplus, 0.3);
 * testScalar(huber, 2.5, { kwargs: { delta: 1 } });
 * ```
 */
export function testScalar<A = unknown>(f: AnyFunction, x: number, options: RuleCheckOptions<A> = {}): RuleCheckReport {
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
    // Through an engine without forward mode (TF.js) the frule is the reference's to check.
    const engine = options.engine;
    const noForward = engine !== undefined && engine.jvp === undefined && engine.jvpTree === undefined;
    if (hasReverse || !hasForward || noForward) {
      const report = testRrule(f, [x], options);
      rule = report.rule;
      checks.push(...report.checks.map((check) => `rrule: ${check}`));
    }
    if (hasForward && noForward) {
      checks.push(`frule: not checked: the engine '${engine.adapter.name}' has no forward mode`);
    } else if (hasForward) {
      const report = testFrule(f, [x], options);
      rule = report.rule;
      checks.push(...report.checks.map((check) => `frule: ${check}`));
    }
    return { rule, checks };
  });
}
