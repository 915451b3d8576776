import { z } from 'zod';
import { Tangent, add, defineRule, kw, namespaceOf, scale } from '@chainrules/core';

/** How often each part of the rule ran: the demo prints it, the test checks it. */
export const counts = { rrule: 0, pullback: 0, frule: 0 };

/** foo(a, b, { c = 42 }) = a · b · c, written once for numbers and any engine's arrays. */
function fooImpl(a: number, b: number, { c = 42 }: { c?: number } = {}): number {
  const xp = namespaceOf(a, b, c);
  return xp.multiply(xp.multiply(a, b), c);
}

export const foo = defineRule(fooImpl, {
  name: 'foo',
  kwargs: z.object({ c: kw.diff<number>().default(42) }),
  rrule: (cfg, { c }, a, b) => {
    counts.rrule++;
    const { xp } = cfg;
    return [
      xp.multiply(xp.multiply(a, b), c),
      (dy) => {
        counts.pullback++;
        return {
          args: [xp.multiply(dy, xp.multiply(b, c)), xp.multiply(dy, xp.multiply(a, c))],
          kwargs: new Tangent({ c: xp.multiply(dy, xp.multiply(a, b)) }),
        };
      },
    ];
  },
  frule: (cfg, { args: [da, db], kwargs: dkw }, { c }, a, b) => {
    counts.frule++;
    const { xp } = cfg;
    const dy = add(add(scale(xp.multiply(b, c), da), scale(xp.multiply(a, c), db)), scale(xp.multiply(a, b), dkw.get('c')));
    return [xp.multiply(xp.multiply(a, b), c), dy];
  },
});
