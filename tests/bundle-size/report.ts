// `npm run size`: prints what each package costs a page (the figures each README states).
import { CORE_PAGE_BUDGET_BYTES } from './budget';
import { PAGES, kb, measure } from './src/measure';
import type { Measured } from './src/measure';

console.log('package               gzipped   minified   of which zod   own code');
for (const pkg of Object.keys(PAGES) as Measured[]) {
  const s = await measure(pkg);
  console.log(`${pkg.padEnd(20)} ${`${kb(s.gzipped)} KB`.padStart(9)} ${`${kb(s.minified)} KB`.padStart(10)} ${`${kb(s.zod)} KB`.padStart(14)} ${`${kb(s.own)} KB`.padStart(10)}`);
}
console.log(`\nBudget for @chainrules/core's page: ${kb(CORE_PAGE_BUDGET_BYTES)} KB gzipped (tests/bundle-size/budget.ts).`);
