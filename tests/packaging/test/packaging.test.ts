import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blocksOf, documentsOf, ownerOf } from '../../../tools/docExamples';

/*
 * What a user who installs the packages gets: each package passes publint --strict and attw
 * --pack, and its npm tarball, installed into a fresh project outside the workspace, runs the
 * seed example from ESM and from CommonJS (and the conformance entry under the consumer's own
 * vitest), and each adapter runs the seed rule under its engine from both.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const consumerFiles = fileURLToPath(new URL('../consumer/', import.meta.url));
const here = fileURLToPath(new URL('../', import.meta.url));
/** A devDependency's executable: this workspace's own, or the one npm hoisted to the root. */
const bin = (name: string) => [join(here, 'node_modules/.bin', name), join(root, 'node_modules/.bin', name)].find((path) => existsSync(path))!;
const publint = bin('publint');
const attw = bin('attw');

interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly exports?: Record<string, unknown>;
  readonly dependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({ dir: join(root, 'packages', dir), manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest }))
  .filter(({ manifest }) => manifest.private !== true);

/**
 * The engines the adapters run on, at the version each adapter is developed against (its
 * devDependency: TF.js's union package, which registers the CPU backend and the gradients),
 * and what the seed rule prints under each: `seed-<adapter>.mjs` and `.cjs` in consumer/.
 */
const engineSeeds = [
  { adapter: '@chainrules/tfjs', engine: '@tensorflow/tfjs', file: 'seed-tfjs', expected: '9 6 6 true' },
  { adapter: '@chainrules/jax', engine: '@jax-js/jax', file: 'seed-jax', expected: '6 18 6 true' },
].flatMap((seed) => {
  const adapter = packages.find(({ manifest }) => manifest.name === seed.adapter);
  return adapter === undefined ? [] : [{ ...seed, version: adapter.manifest.devDependencies![seed.engine]! }];
});

const rootManifest = JSON.parse(readFileSync(join(root, 'packages/testing/package.json'), 'utf8')) as Manifest;
let consumer = '';

beforeAll(async () => {
  consumer = mkdtempSync(join(tmpdir(), 'chainrules-consumer-'));
  // The tarballs as docs/installing.md makes them: `npm run pack` (scripts/pack.mjs).
  const { stdout } = await run(process.execPath, [join(root, 'scripts/pack.mjs'), '--out', consumer, '--json', '--no-build'], { cwd: root });
  const tarballs = (JSON.parse(stdout) as { name: string; file: string }[]).map(({ file }) => file);
  expect(tarballs).toHaveLength(packages.length);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  for (const file of readdirSync(consumerFiles)) copyFileSync(join(consumerFiles, file), join(consumer, file));
  const zod = rootManifest.dependencies!['zod']!;
  const vitest = rootManifest.devDependencies!['vitest']!;
  const engines = engineSeeds.map(({ engine, version }) => `${engine}@${version}`);
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...tarballs, `zod@${zod}`, `vitest@${vitest}`, ...engines], { cwd: consumer });
});

afterAll(() => {
  if (consumer !== '') rmSync(consumer, { recursive: true, force: true });
});

/** The names a declaration file exports (what a user can import from that entry). */
function exportedNames(declarations: string): string[] {
  const program = ts.createProgram([declarations], { noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(declarations)!)!;
  return checker.getExportsOfModule(module).map((symbol) => symbol.getName());
}

/** Export subpaths with no `require` condition: ESM only (the vitest suites, since vitest itself is). */
function esmOnlyEntries(manifest: Manifest): string[] {
  return Object.entries(manifest.exports ?? {})
    .filter(([, target]) => typeof target === 'object' && target !== null && !('require' in target))
    .map(([entry]) => entry);
}

describe.each(packages.map(({ dir, manifest }) => [manifest.name, dir, manifest] as const))('%s', (_name, dir, manifest) => {
  it('passes publint --strict', async () => {
    const { stdout } = await run(publint, ['--strict', dir]);
    expect(stdout).toContain('All good!');
  });

  it('passes attw --pack (node10, node16 CJS and ESM, bundler)', async () => {
    // attw exits non-zero on any problem; ESM-only entries are checked under its esm-only profile.
    const esmOnly = esmOnlyEntries(manifest);
    const { stdout } = await run(attw, ['--pack', dir, '--format', 'table-flipped', ...(esmOnly.length > 0 ? ['--exclude-entrypoints', ...esmOnly] : [])]);
    expect(stdout).toContain('No problems found');
    for (const entry of esmOnly) {
      // Exits non-zero on a problem; node10 and require() are out of scope for an ESM-only entry.
      const esm = await run(attw, ['--pack', dir, '--format', 'table-flipped', '--profile', 'esm-only', '--entrypoints', entry]);
      expect(esm.stdout).toMatch(/node16 \(from ESM\)/);
    }
  });
});

describe('installed from the tarballs into a fresh project', () => {
  const expected = ['18 [ NoTangent, Tangent { c: 6 }, NoTangent, 9, 6 ]', 'foo', 'no-rule', '1 true 0'];

  it('runs the seed example from ESM', async () => {
    const { stdout } = await run(process.execPath, ['seed.mjs'], { cwd: consumer });
    expect(stdout.trim().split('\n')).toEqual(expected);
  });

  it('runs the seed example from CommonJS', async () => {
    const { stdout } = await run(process.execPath, ['seed.cjs'], { cwd: consumer });
    expect(stdout.trim().split('\n')).toEqual(expected);
  });

  describe.each(engineSeeds.map((seed) => [seed.adapter, seed] as const))('with %s and its engine', (_adapter, seed) => {
    it.each(['mjs', 'cjs'])('runs the seed rule from %s', async (extension) => {
      const { stdout } = await run(process.execPath, [`${seed.file}.${extension}`], { cwd: consumer });
      expect(stdout.trim()).toBe(seed.expected);
    });
  });

  it('checks a rule through each adapter’s published engine: TF.js from CommonJS, jax-js from ESM', async () => {
    const tfjs = await run(process.execPath, ['check-tfjs.cjs'], { cwd: consumer });
    expect(tfjs.stdout.trim()).toBe('true the engine ran the rule (rrule 1, pullback 1, frule 0)');
    const jax = await run(process.execPath, ['check-jax.mjs'], { cwd: consumer });
    expect(jax.stdout.trim()).toBe('true true true');
  });

  it('imports and requires every export of every package (the vitest suites excepted: they load under vitest)', async () => {
    const lines = packages.flatMap(({ manifest }) => {
      const esmOnly = esmOnlyEntries(manifest);
      return Object.keys(manifest.exports ?? {})
        .filter((entry) => entry !== './package.json' && !esmOnly.includes(entry))
        .map((entry) => `${manifest.name}${entry.slice(1)}`);
    });
    const script = lines.map((id) => `{ const esm = await import('${id}'); const cjs = require('${id}'); console.log('${id}', Object.keys(esm).length > 0 && Object.keys(esm).sort().join() === Object.keys(cjs).sort().join()); }`).join('\n');
    writeFileSync(join(consumer, 'entries.mjs'), `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${script}\n`);
    const { stdout } = await run(process.execPath, ['entries.mjs'], { cwd: consumer });
    expect(stdout.trim().split('\n')).toEqual(lines.map((id) => `${id} true`));
  });

  it('compiles a TypeScript project with the tsconfig docs/installing.md gives (skipLibCheck for the engines’ typings)', async () => {
    const tsc = bin('tsc');
    await expect(run(tsc, ['-p', join(consumer, 'tsconfig.json')], { cwd: consumer })).resolves.toBeDefined();
    // Without skipLibCheck the engines' own declaration files do not compile: the advice is needed.
    const strict = run(tsc, ['-p', join(consumer, 'tsconfig.json'), '--skipLibCheck', 'false'], { cwd: consumer });
    await expect(strict).rejects.toMatchObject({ stdout: expect.stringMatching(/node_modules\/@(tensorflow|jax-js)\//) });
  });

  it('runs the conformance entry under the consumer’s own vitest', async () => {
    const { stdout } = await run(process.execPath, [join(consumer, 'node_modules/vitest/vitest.mjs'), 'run', '--root', consumer], {
      cwd: consumer,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(stdout).toMatch(/Tests\s+\d+ passed/);
  });
});

describe('the API reference and the package table', () => {
  it('TypeDoc builds the API reference with no warning (npm run docs)', async () => {
    const out = join(consumer, 'api');
    // typedoc.json treats warnings as errors: any warning fails the run.
    const { stdout } = await run(bin('typedoc'), ['--out', out], { cwd: root, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } });
    expect(stdout).not.toMatch(/warning/i);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });

  it('changesets write a CHANGELOG.md per package with a pending change, and keep peer ranges satisfied', async () => {
    // `changeset version` rewrites files in place: run it on a copy of what it reads.
    const copy = join(consumer, 'release');
    const manifests = ['package.json', ...readdirSync(join(root, 'packages')).map((dir) => `packages/${dir}/package.json`)];
    for (const group of ['examples', 'tests']) for (const dir of readdirSync(join(root, group))) manifests.push(`${group}/${dir}/package.json`);
    for (const file of manifests) {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      copyFileSync(join(root, file), join(copy, file));
    }
    cpSync(join(root, '.changeset'), join(copy, '.changeset'), { recursive: true });
    const pending = readdirSync(join(root, '.changeset')).filter((file) => file.endsWith('.md') && file !== 'README.md');
    await run(bin('changeset'), ['version'], { cwd: copy });
    const released = packages.filter(({ manifest }) => pending.some((file) => readFileSync(join(root, '.changeset', file), 'utf8').includes(`'${manifest.name}'`)));
    expect(released.length).toBeGreaterThan(0);
    const versions = new Map<string, string>();
    for (const { dir, manifest } of packages) {
      const next = JSON.parse(readFileSync(join(copy, 'packages', basename(dir), 'package.json'), 'utf8')) as Manifest & { peerDependencies?: Record<string, string> };
      versions.set(manifest.name, next.version);
      if (released.some((r) => r.manifest.name === manifest.name)) {
        expect(readFileSync(join(copy, 'packages', basename(dir), 'CHANGELOG.md'), 'utf8')).toContain(`## ${next.version}`);
      }
    }
    for (const { dir } of packages) {
      const next = JSON.parse(readFileSync(join(copy, 'packages', basename(dir), 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
      for (const [name, range] of Object.entries(next.peerDependencies ?? {})) {
        const version = versions.get(name);
        if (version !== undefined) expect(range.split('||').some((part) => part.trim() === `^${version}` || part.trim() === `^${version.split('.').slice(0, 2).join('.')}.0`)).toBe(true);
      }
    }
  });

  it('every example in the READMEs and docs/ is run by the docs test of the package it uses', () => {
    const runners = new Map(
      readdirSync(join(root, 'packages')).map((dir) => {
        const test = join(root, 'packages', dir, 'test', 'docs.test.ts');
        const name = (JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as Manifest).name;
        return [name, existsSync(test) && readFileSync(test, 'utf8').includes(`owner: '${name}'`)] as const;
      }),
    );
    const orphans = documentsOf(root).flatMap((document) =>
      blocksOf(readFileSync(join(root, document), 'utf8'))
        .filter((block) => runners.get(ownerOf(block.code)) !== true)
        .map((block) => `${document}:${block.line} (${ownerOf(block.code)})`),
    );
    expect(orphans).toEqual([]);
  });

  it('each package README lists every export of every entry in its "## API" section', () => {
    const missing = packages.flatMap(({ dir, manifest }) => {
      const readme = readFileSync(join(dir, 'README.md'), 'utf8');
      const api = readme.match(/^## API\n([\s\S]*?)(?=^## |(?![\s\S]))/m)?.[1];
      if (api === undefined) return [`${manifest.name}: no "## API" section`];
      return Object.entries(manifest.exports ?? {}).flatMap(([entry, target]) => {
        if (typeof target !== 'object' || target === null) return [];
        const types = (target as { import: { types: string } }).import.types;
        return exportedNames(join(dir, types))
          .filter((name) => !new RegExp(`\\b${name}\\b`).test(api))
          .map((name) => `${manifest.name}${entry.slice(1)}: ${name}`);
      });
    });
    expect(missing).toEqual([]);
  });

  it('the tarballs the docs name are the ones `npm run pack` writes (each package’s name and version)', () => {
    const tarball = (manifest: Manifest) => `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`;
    const expected = new Set(packages.map(({ manifest }) => tarball(manifest)));
    const named = documentsOf(root).flatMap((document) =>
      [...readFileSync(join(root, document), 'utf8').matchAll(/chainrules-[a-z]+-[0-9][^\s/]*?\.tgz/g)].map((match) => `${document}: ${match[0]}`),
    );
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((entry) => !expected.has(entry.split(': ')[1]!))).toEqual([]);
  });

  it('this test depends on every package, so that turbo builds each before packing it', () => {
    const own = JSON.parse(readFileSync(join(here, 'package.json'), 'utf8')) as Manifest;
    for (const { manifest } of packages) expect(Object.keys(own.devDependencies ?? {})).toContain(manifest.name);
  });

  it('the root README lists every package', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    for (const { manifest } of packages) expect(readme).toContain(`[\`${manifest.name}\`](packages/`);
  });
});
