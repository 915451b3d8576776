// The seed example, as a consumer that installed the packages from their tarballs runs it (CommonJS).
const { z } = require('zod');
const { Tangent, defineRule, kw, kwcall, namespaceOf, rrule } = require('@chainrules/core');
const { testFrule, testRrule } = require('@chainrules/testing');
const { gaussian, softplus } = require('@chainrules/rules');

function fooImpl(a, b, { c = 42 } = {}) {
  const xp = namespaceOf(a, b, c);
  return xp.multiply(xp.multiply(a, b), c);
}

const foo = defineRule(fooImpl, {
  name: 'foo',
  kwargs: z.object({ c: kw.diff().default(42) }),
  rrule: (cfg, { c }, a, b) => {
    const { xp } = cfg;
    return [
      xp.multiply(xp.multiply(a, b), c),
      (dy) => ({ args: [xp.multiply(dy, xp.multiply(b, c)), xp.multiply(dy, xp.multiply(a, c))], kwargs: new Tangent({ c: xp.multiply(dy, xp.multiply(a, b)) }) }),
    ];
  },
});

const [y, pullback] = rrule(kwcall, { c: 3 }, foo, 2, 3);
console.log(y, pullback(1));
console.log(testRrule(foo, [2, 3], { kwargs: { c: 3 } }).rule);
try {
  testFrule(foo, [2, 3]);
} catch (error) {
  console.log(error.kind);
}
// A rule from @chainrules/rules, with the derivative for its centre.
const [, pullbackG] = rrule(kwcall, { pos: 1 }, gaussian, 1);
console.log(gaussian(1, { pos: 1 }), softplus(0) === Math.log(2), pullbackG(1)[1].get('pos'));
