// The checks with no test runner: node:assert and the built package only.
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Tangent, defineRule, kw } from '@chainrules/core';
import { f64, isRuleCheckError, testFrule, testRrule } from '@chainrules/testing';

function define(name, sign) {
  return defineRule((x, { c = 1 } = {}) => x * c, {
    name,
    kwargs: z.object({ c: kw.diff().default(1) }),
    rrule: (cfg, { c }, x) => [cfg.xp.multiply(x, c), (dy) => ({ args: [cfg.xp.multiply(dy, c)], kwargs: new Tangent({ c: cfg.xp.multiply(sign, cfg.xp.multiply(dy, x)) }) })],
  });
}

const report = testRrule(define('scaleBy', 1), [2], { kwargs: { c: 3 } });
assert.ok(report.checks.includes('cotangent kwargs.c'));
assert.throws(() => testRrule(define('scaleByWrong', -1), [2], { kwargs: { c: 3 } }), (error) => isRuleCheckError(error) && error.slot === 'kwargs.c' && error.name === 'RuleCheckError');
assert.throws(() => testFrule(define('scaleByNoFrule', 1), [f64([1, 2])]), /no forward rule/);
console.log('plain assert: ok');
