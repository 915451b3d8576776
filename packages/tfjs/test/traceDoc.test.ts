import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { RuleTrace } from '@chainrules/core';

// The FAQ shows the table a TF.js trace prints under the example that prints it: they agree.
// (The example installs the built adapter itself, as a user's program does.)
describe('the trace table in docs/faq.md', () => {
  const scratch = fileURLToPath(new URL('./.out/trace-doc/', import.meta.url));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is what the example above it prints', async () => {
    const faq = readFileSync(fileURLToPath(new URL('../../../docs/faq.md', import.meta.url)), 'utf8');
    const section = faq.slice(faq.indexOf('### Why is my rule not used?'));
    const example = section.match(/```ts\n([\s\S]*?)```/)![1]!;
    const table = section.match(/<!-- trace-table:[^>]*-->\n```text\n([\s\S]*?)\n```/)![1]!;
    mkdirSync(scratch, { recursive: true });
    const file = `${scratch}faqExample.ts`;
    writeFileSync(file, `${example}\nexport { trace };\n`);
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const { trace } = (await import(/* @vite-ignore */ file)) as { trace: RuleTrace };
      expect(String(trace)).toBe(table);
    } finally {
      quiet.mockRestore();
    }
  });
});
