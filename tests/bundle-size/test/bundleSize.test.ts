import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Tangent, kwcall, rrule } from '@chainrules/core';
import { CORE_PAGE_BUDGET_BYTES } from '../budget';
import { PAGES, kb, measure } from '../src/measure';
import type { Measured, PageSize } from '../src/measure';
// @ts-expect-error: a plain JavaScript page, as a browser loads it
import { scaled, value } from '../pages/core.js';

const sizes = new Map<Measured, PageSize>();
const sizeOf = async (pkg: Measured): Promise<PageSize> => {
  if (!sizes.has(pkg)) sizes.set(pkg, await measure(pkg));
  return sizes.get(pkg)!;
};

describe('what each package costs a page (esbuild, minified, gzipped; engines not counted)', () => {
  it('the core page’s rule, with its zod/mini schema, runs: core accepts zod/mini schemas', () => {
    expect(value).toBe(6.75);
    const [y, pullback] = rrule(kwcall, { c: 3 }, scaled, 1.5)!;
    expect(y).toBe(6.75);
    expect(pullback(1)[1]).toEqual(new Tangent({ c: 2.25 }));
  });

  it(`a page defining one rule with a zod/mini schema stays within the budget (${kb(CORE_PAGE_BUDGET_BYTES)} KB gzipped, budget.ts)`, async () => {
    const size = await sizeOf('@chainrules/core');
    console.info(`@chainrules/core page: ${kb(size.gzipped)} KB gzipped, ${kb(size.minified)} KB minified, of which zod ${kb(size.zod)} KB, core ${kb(size.own)} KB`);
    expect(size.gzipped).toBeLessThanOrEqual(CORE_PAGE_BUDGET_BYTES);
  });

  // Each package's README states its page's gzipped size; it must not drift from the measure.
  it.each(Object.keys(PAGES) as Measured[])('the README of %s states its page’s size (±2 KB)', async (pkg) => {
    const size = await sizeOf(pkg);
    const readme = readFileSync(new URL(`../../../packages/${pkg.slice('@chainrules/'.length)}/README.md`, import.meta.url), 'utf8');
    const stated = readme.match(/## Size[\s\S]*?\*\*(\d+(?:\.\d)?) KB gzipped\*\*/);
    expect(stated, `${pkg}'s README has a "## Size" section with "**N KB gzipped**" (measured: ${kb(size.gzipped)} KB)`).not.toBeNull();
    expect(Math.abs(Number(stated![1]) * 1024 - size.gzipped), `${pkg}: README says ${stated![1]} KB, measured ${kb(size.gzipped)} KB`).toBeLessThanOrEqual(2 * 1024);
  });

  it('the measure sees a heavier page: core’s page is more than its own code', async () => {
    const size = await sizeOf('@chainrules/core');
    expect(size.own).toBeGreaterThan(10 * 1024);
    expect(size.minified).toBeGreaterThan(size.own + size.zod - 1);
    expect(size.gzipped).toBeLessThan(size.minified);
  });
});
