import { expect } from 'vitest';
import { isRuleError } from '../../src/index';
import type { RuleError, RuleErrorCode } from '../../src/index';

/** Runs `action` and returns the RuleError it throws (failing the test when it throws none). */
export function ruleErrorOf(action: () => unknown): RuleError {
  try {
    action();
  } catch (error) {
    if (isRuleError(error)) return error;
    throw error;
  }
  throw new Error('expected a RuleError, but nothing was thrown');
}

/** Asserts that `action` throws a RuleError with `code` (and the rule and slot given), a message naming the code and a fix; returns it. */
export function expectRuleError(action: () => unknown, code: RuleErrorCode, fields: Partial<Pick<RuleError, 'rule' | 'slot'>> = {}): RuleError {
  const error = ruleErrorOf(action);
  expect({ code: error.code, rule: error.rule, slot: error.slot }).toMatchObject({ code, ...fields });
  expect(error.message).toContain(`[${code}]`);
  expect(error.fix).toBeTruthy();
  return error;
}
