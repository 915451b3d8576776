// The seed rule under jax-js, as a consumer that installed the packages from their tarballs runs it (ESM).
import { z } from 'zod';
import { grad, init, jvp, numpy as np } from '@jax-js/jax';
import { add, defineRule, installAdapter, kw, namespaceOf, scale } from '@chainrules/core';
import { jaxAdapter } from '@chainrules/jax';

let calls = 0;
const foo = defineRule((a, b, { c = 42 } = {}) => { const xp = namespaceOf(a, b, c); return xp.multiply(xp.multiply(a, b), c); }, {
  name: 'foo',
  kwargs: z.object({ c: kw.diff().default(42) }),
  frule: ({ xp }, { args: [da, db], kwargs: dkw }, { c }, a, b) => {
    calls++;
    const dy = add(add(scale(xp.multiply(b, c), da), scale(xp.multiply(a, c), db)), scale(xp.multiply(a, b), dkw.get('c')));
    return [xp.multiply(xp.multiply(a, b), c), dy];
  },
});

await init('wasm');
installAdapter(jaxAdapter);
const g = grad((o) => foo(np.array(2), np.array(3), o))({ c: np.array(3) });
const [y, dy] = jvp((c) => foo(np.array(2), np.array(3), { c }), [np.array(3)], [np.array(1)]);
console.log(g.c.js(), y.js(), dy.js(), calls > 0);
