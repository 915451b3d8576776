// The seed rule under TensorFlow.js, as a consumer that installed the packages from their tarballs runs it (CommonJS).
const { z } = require('zod');
const tf = require('@tensorflow/tfjs');
const { Tangent, defineRule, installAdapter, kw, namespaceOf } = require('@chainrules/core');
const { tfjsAdapter } = require('@chainrules/tfjs');

let calls = 0;
const foo = defineRule((a, b, { c = 42 } = {}) => { const xp = namespaceOf(a, b, c); return xp.multiply(xp.multiply(a, b), c); }, {
  name: 'foo',
  kwargs: z.object({ c: kw.diff().default(42) }),
  rrule: ({ xp }, { c }, a, b) => {
    calls++;
    return [
      xp.multiply(xp.multiply(a, b), c),
      (dy) => ({ args: [xp.multiply(dy, xp.multiply(b, c)), xp.multiply(dy, xp.multiply(a, c))], kwargs: new Tangent({ c: xp.multiply(dy, xp.multiply(a, b)) }) }),
    ];
  },
});

installAdapter(tfjsAdapter);
const g = tf.grads((a, b, c) => foo(a, b, { c }))([tf.scalar(2), tf.scalar(3), tf.scalar(3)]);
console.log(g.map((t) => t.dataSync()[0]).join(' '), calls > 0);
