/**
 * The size budget `npm test` holds @chainrules/core to: the gzipped bundle of a page that
 * defines one rule with a zod/mini schema (pages/core.js). Today's core depends on classic zod,
 * which is most of that page (≈100.8 KB gzipped, 444 of its 476 KB minified), so the budget is
 * today's size plus a small margin. The goal is 20 KB: lower this number to it when core depends
 * on zod's core (`zod/mini`) instead of classic zod.
 */
export const CORE_PAGE_BUDGET_BYTES = 104 * 1024;
