import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importCycles } from '../../../tools/importCycles';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const trees = ['packages', 'examples'].flatMap((group) => readdirSync(join(root, group)).map((name) => `${group}/${name}/src`));

describe('no import circles inside a package', () => {
  it('finds the source trees', () => {
    expect(trees).toEqual(expect.arrayContaining(['packages/core/src', 'packages/testing/src', 'packages/tfjs/src', 'packages/jax/src', 'packages/rules/src']));
  });

  it.each(trees)('%s has none', (tree) => {
    expect(importCycles(join(root, tree))).toEqual([]);
  });
});

describe('the circle finder', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'import-cycles-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  function tree(name: string, files: Record<string, string>): string {
    const dir = join(scratch, name);
    for (const [path, code] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), code);
    }
    return dir;
  }

  it('reports a circle through a folder index, a type-only import and a .js path', () => {
    const dir = tree('circle', {
      'index.ts': "export { a } from './a';\n",
      'a.ts': "import type { B } from './kit';\nexport const a = (b: B) => b;\n",
      'kit/index.ts': "export type { B } from './b.js';\n",
      'kit/b.ts': "import { a } from '../a';\nexport type B = typeof a;\n",
    });
    expect(importCycles(dir)).toEqual([['a.ts', 'kit/index.ts', 'kit/b.ts', 'a.ts']]);
  });

  it('reports a dynamic import and a module that imports itself', () => {
    const dir = tree('dynamic', {
      'one.ts': "export const load = () => import('./two');\n",
      'two.ts': "export * from './one';\n",
      'self.ts': "import * as me from './self';\nexport const x = me;\n",
    });
    expect(importCycles(dir)).toEqual(expect.arrayContaining([['one.ts', 'two.ts', 'one.ts'], ['self.ts', 'self.ts']]));
    expect(importCycles(dir)).toHaveLength(2);
  });

  it('reports nothing for a tree without one, however it imports packages or quotes imports', () => {
    const dir = tree('clean', {
      'index.ts': "import { z } from 'zod';\nexport { b } from './b';\nexport const s = z;\n",
      'b.ts': "// import { s } from './index';\n/* export * from './index'; */\nexport const b = 1;\n",
    });
    expect(importCycles(dir)).toEqual([]);
  });
});
