import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { formatWithOptions } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';

/*
 * Every ```ts block in the READMEs and in docs/ is a program: it runs here, against the built
 * package, and each `console.log(…); // → expected` line must print what its comment says.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const scratch = fileURLToPath(new URL('./.docs/', import.meta.url));
const documents = [
  'README.md',
  'packages/core/README.md',
  ...readdirSync(`${root}docs`)
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

interface Block {
  readonly line: number;
  readonly code: string;
  readonly expected: string[];
}

function blocksOf(markdown: string): Block[] {
  const blocks: Block[] = [];
  const fence = /^```ts\s*\n([\s\S]*?)^```/gm;
  for (let match = fence.exec(markdown); match !== null; match = fence.exec(markdown)) {
    const code = match[1]!;
    const expected = code
      .split('\n')
      .filter((line) => /console\.log\(/.test(line))
      .map((line) => {
        const arrow = line.match(/\/\/ → (.*)$/);
        if (arrow === null) throw new Error(`an example's console.log has no "// → expected" comment: ${line.trim()}`);
        return arrow[1]!.trim();
      });
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code, expected });
  }
  return blocks;
}

mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes each block to a file of its own, so that it runs (and typechecks) as a module. */
function write(document: string, block: Block): string {
  const file = `${scratch}${document.replaceAll('/', '_')}_${block.line}.ts`;
  writeFileSync(file, block.code);
  return file;
}

describe.each(documents)('the examples in %s', (document) => {
  const blocks = blocksOf(readFileSync(`${root}${document}`, 'utf8'));

  it('has examples', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  it.each(blocks.map((block) => [block.line, block] as const))('the block at line %i runs and prints what it says', async (_line, block) => {
    const file = write(document, block);
    const printed: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      printed.push(formatWithOptions({ breakLength: Infinity }, ...args));
    });
    try {
      await import(/* @vite-ignore */ file);
    } finally {
      spy.mockRestore();
    }
    expect(printed).toEqual(block.expected);
  });
});

describe('the examples', () => {
  it('typecheck under the strict settings users are told to use', () => {
    for (const document of documents) for (const block of blocksOf(readFileSync(`${root}${document}`, 'utf8'))) write(document, block);
    writeFileSync(`${scratch}tsconfig.json`, JSON.stringify({ extends: '../../tsconfig.json', include: ['./*.ts'] }));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', `${scratch}tsconfig.json`], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 60_000);
});
