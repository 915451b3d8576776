// `npm run pack`: builds every published package and writes its npm tarball into `packs/` (or
// the folder given with `--out <dir>`), then prints the `npm install` line that installs them
// into another project. The packages are not on a registry: this is how a project outside this
// repository gets them (docs/installing.md). `--no-build` packs what is built already (the
// packaging test does, after turbo built the packages for it); `--json` prints the tarballs as JSON.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { buildQuietly, env } from './lib/buildQuietly.mjs';

const root = new URL('..', import.meta.url).pathname;
const at = process.argv.indexOf('--out');
const out = resolve(at === -1 ? join(root, 'packs') : process.argv[at + 1]);

if (!process.argv.includes('--no-build')) buildQuietly('./packages/*');
mkdirSync(out, { recursive: true });
const tarballs = [];
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8'));
  if (manifest.private === true) continue;
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: join(root, 'packages', dir), env, encoding: 'utf8' });
  if (pack.status !== 0) {
    process.stderr.write(pack.stderr ?? '');
    process.exit(pack.status ?? 1);
  }
  tarballs.push({ name: manifest.name, file: join(out, JSON.parse(pack.stdout)[0].filename) });
}
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(tarballs)}\n`);
} else {
  for (const { name, file } of tarballs) console.log(`${name.padEnd(22)} ${relative(process.cwd(), file)}`);
  console.log(`\nIn your project: npm install ${tarballs.map(({ file }) => file).join(' ')} zod`);
}
