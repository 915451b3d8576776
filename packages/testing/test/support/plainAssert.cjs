// The checks from CommonJS with no test runner.
const assert = require('node:assert/strict');
const { defineRule } = require('@chainrules/core');
const { testRrule, isRuleCheckError } = require('@chainrules/testing');

const square = defineRule((x) => x * x, { name: 'square', rrule: (cfg, _opts, x) => [x * x, (dy) => ({ args: [cfg.xp.multiply(dy, 2 * x)] })] });
const wrong = defineRule((x) => x * x, { name: 'squareWrong', rrule: (cfg, _opts, x) => [x * x, (dy) => ({ args: [cfg.xp.multiply(dy, x)] })] });
testRrule(square, [1.5]);
assert.throws(() => testRrule(wrong, [1.5]), (error) => isRuleCheckError(error) && error.kind === 'cotangent');
console.log('plain assert (cjs): ok');
