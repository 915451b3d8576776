// `npm run playground`: builds the packages the Gaussian-fit example uses, then serves its
// playground page with Vite on 127.0.0.1 (the address it prints); `npm run playground -- --build`
// writes the page as a static site to examples/gaussian-fit/out/playground instead.
import { spawnSync } from 'node:child_process';
import { buildQuietly, env } from './lib/buildQuietly.mjs';

buildQuietly('./examples/gaussian-fit...');
const args = process.argv.slice(2);
const script = args.includes('--build') ? 'playground:build' : 'playground';
const rest = args.filter((arg) => arg !== '--build');
const vite = spawnSync('npm', ['run', '--silent', script, '-w', 'examples/gaussian-fit', ...(rest.length > 0 ? ['--', ...rest] : [])], { env, stdio: 'inherit' });
process.exit(vite.status ?? 1);
