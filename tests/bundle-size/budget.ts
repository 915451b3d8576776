/**
 * The size budget `npm test` holds @chainrules/core to: the gzipped bundle of a page that
 * defines one rule with a zod/mini schema (pages/core.js). Core depends on zod's core and mini
 * builds only, so the page is core's own code and the few zod pieces a small schema uses
 * (≈ 19 KB gzipped); the budget keeps classic zod, or anything else as heavy, from creeping back.
 */
export const CORE_PAGE_BUDGET_BYTES = 20 * 1024;
