// `npm run demo [-- --backend wasm]`: builds the packages the examples use (quietly, unless the
// build fails), then runs the main example, passing its arguments on.
import { spawnSync } from 'node:child_process';
import { buildQuietly, env } from './lib/buildQuietly.mjs';

buildQuietly('./examples/*');
const demo = spawnSync('npm', ['run', '--silent', 'demo', '-w', 'examples/gaussian-fit', '--', ...process.argv.slice(2)], { env, stdio: 'inherit' });
process.exit(demo.status ?? 1);
