// `npm run demo [-- --backend wasm]`: builds the packages the examples use (quietly, unless the
// build fails), then runs the main example, passing its arguments on.
import { spawnSync } from 'node:child_process';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const build = spawnSync('npx', ['turbo', 'run', 'build', '--filter=./examples/*', '--output-logs=errors-only'], { env, encoding: 'utf8' });
if (build.status !== 0) {
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  process.exit(build.status ?? 1);
}
const demo = spawnSync('npm', ['run', '--silent', 'demo', '-w', 'examples/gaussian-fit', '--', ...process.argv.slice(2)], { env, stdio: 'inherit' });
process.exit(demo.status ?? 1);
