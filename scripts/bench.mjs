// Runs a TypeScript benchmark file under plain Node: bundles it with esbuild (packages stay
// external, so the built packages are what is measured) and runs the bundle. Running through
// a TypeScript loader instead adds hooks that distort nanosecond timings.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { build } from 'esbuild';

const entry = process.argv[2];
if (entry === undefined) {
  console.error('usage: node scripts/bench.mjs <file.ts> [args…]');
  process.exit(2);
}
// Beside the entry, so that its imports resolve from the package's own node_modules.
const dir = join(dirname(resolve(entry)), '.out');
mkdirSync(dir, { recursive: true });
const outfile = join(dir, `${basename(entry, '.ts')}.mjs`);
try {
  await build({ entryPoints: [resolve(entry)], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile, logLevel: 'error', absWorkingDir: process.cwd() });
  const run = spawnSync(process.execPath, [outfile, ...process.argv.slice(3)], { stdio: 'inherit', cwd: process.cwd() });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
