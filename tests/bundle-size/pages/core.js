// A page that defines one rule with a zod/mini schema: what @chainrules/core costs a rule author.
import * as z from 'zod/mini';
import { Tangent, defineRule, kw } from '@chainrules/core';

export const scaled = defineRule((x, { c = 1 } = {}) => c * x * x, {
  name: 'scaled',
  kwargs: z.object({ c: z._default(kw.diff(), 1) }),
  rrule: (_cfg, { c }, x) => [c * x * x, (dy) => ({ args: [dy * 2 * c * x], kwargs: new Tangent({ c: dy * x * x }) })],
});
export const value = scaled(1.5, { c: 3 });
