import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { formatWithOptions } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';

/*
 * Every ```ts block in the READMEs and in docs/ is a program: it runs in a test, against the
 * built packages, and each `console.log(…); // → expected` line must print what its comment
 * says. Each block is run by exactly one package's tests: the one that owns it (by the
 * packages it imports, see ownerOf), so a block never needs a package its runner was not
 * built after.
 */

export interface Block {
  readonly line: number;
  readonly code: string;
  readonly expected: string[];
}

export interface DocExamples {
  /** The repository root (with a trailing slash). */
  readonly root: string;
  /** A scratch folder for the blocks, removed after the run. */
  readonly scratch: string;
  /** The tsconfig the blocks typecheck under (absolute path). */
  readonly tsconfig: string;
  /** The package whose tests these are: it runs the blocks {@link ownerOf} gives it. */
  readonly owner: string;
  /** Documents that must hold at least one block this package runs. */
  readonly mustHaveExamples: readonly string[];
}

export function blocksOf(markdown: string): Block[] {
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

/** The workspace packages each package depends on (any kind of dependency), by name. */
function workspaceDependencies(): Map<string, Set<string>> {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const deps = new Map<string, Set<string>>();
  for (const dir of readdirSync(`${root}packages`)) {
    const manifest = `${root}packages/${dir}/package.json`;
    if (!existsSync(manifest)) continue;
    const { name, dependencies = {}, devDependencies = {}, peerDependencies = {} } = JSON.parse(readFileSync(manifest, 'utf8')) as Record<string, Record<string, string>> & { name: string };
    deps.set(name, new Set([...Object.keys(dependencies), ...Object.keys(devDependencies), ...Object.keys(peerDependencies)]));
  }
  return deps;
}

/**
 * The package whose tests run a block: of the packages it imports besides core, the one that
 * depends on all the others (so they are built before its tests run) — else the last in name
 * order — or core when it imports nothing else.
 */
export function ownerOf(code: string): string {
  const imported = [...code.matchAll(/from '(@chainrules\/[a-z-]+)(?:\/[a-z-]+)?'/g)].map((match) => match[1]!);
  const others = [...new Set(imported)].filter((name) => name !== '@chainrules/core').sort();
  if (others.length <= 1) return others[0] ?? '@chainrules/core';
  const deps = workspaceDependencies();
  return others.find((name) => others.every((other) => other === name || deps.get(name)?.has(other) === true)) ?? others.at(-1)!;
}

/** Every document whose examples run: the root README, each workspace's README, docs/*.md. */
export function documentsOf(root: string): string[] {
  const readmes = ['packages', 'examples']
    .filter((group) => existsSync(`${root}${group}`))
    .flatMap((group) => readdirSync(`${root}${group}`).map((name) => `${group}/${name}/README.md`))
    .filter((path) => existsSync(`${root}${path}`));
  const docs = readdirSync(`${root}docs`).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`);
  return ['README.md', ...readmes, ...docs];
}

export function describeDocExamples(options: DocExamples): void {
  const { root, scratch } = options;
  const documents = documentsOf(root);
  const claimed = (document: string) => blocksOf(readFileSync(`${root}${document}`, 'utf8')).filter((block) => ownerOf(block.code) === options.owner);

  mkdirSync(scratch, { recursive: true });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Writes each block to a file of its own, so that it runs (and typechecks) as a module. */
  const write = (document: string, block: Block): string => {
    const file = `${scratch}${document.replaceAll('/', '_')}_${block.line}.ts`;
    writeFileSync(file, block.code);
    return file;
  };

  it.each(options.mustHaveExamples)('%s has examples', (document) => {
    expect(claimed(document).length).toBeGreaterThan(0);
  });

  describe.each(documents.filter((document) => claimed(document).length > 0))('the examples in %s', (document) => {
    const blocks = claimed(document);
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

  it('the examples typecheck under the strict settings users are told to use', () => {
    for (const document of documents) for (const block of claimed(document)) write(document, block);
    writeFileSync(`${scratch}tsconfig.json`, JSON.stringify({ extends: options.tsconfig, include: ['./*.ts'] }));
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', `${scratch}tsconfig.json`], { encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
  }, 60_000);
}
