import { z } from 'zod';
import { Tangent, add, defineRule, kw, namespaceOf, scale } from '../../src/index';

/** The seed case: foo(a, b, { c = 42 }) = a · b · c, with counters proving which path ran. */
export const calls = { impl: 0, rrule: 0, pullback: 0, frule: 0 };

export function resetCalls(): void {
  calls.impl = calls.rrule = calls.pullback = calls.frule = 0;
}

export function fooImpl(a: any, b: any, { c = 42 }: { c?: any } = {}): any {
  calls.impl++;
  const xp = namespaceOf(a, b, c);
  return xp.multiply(xp.multiply(a, b), c);
}

export const foo = defineRule(fooImpl, {
  name: 'foo',
  kwargs: z.object({ c: kw.diff().default(42) }),
  rrule: (cfg, { c }, a, b) => {
    calls.rrule++;
    const { xp } = cfg;
    const y = xp.multiply(xp.multiply(a, b), c);
    return [
      y,
      (dy) => {
        calls.pullback++;
        return {
          args: [xp.multiply(dy, xp.multiply(b, c)), xp.multiply(dy, xp.multiply(a, c))],
          kwargs: new Tangent({ c: xp.multiply(dy, xp.multiply(a, b)) }),
        };
      },
    ];
  },
  frule: (cfg, { args: [da, db], kwargs: dkw }, { c }, a, b) => {
    calls.frule++;
    const { xp } = cfg;
    const dy = add(add(scale(xp.multiply(b, c), da), scale(xp.multiply(a, c), db)), scale(xp.multiply(a, b), dkw.get('c')));
    return [xp.multiply(xp.multiply(a, b), c), dy];
  },
});
