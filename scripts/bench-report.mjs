// `npm run bench`: builds the packages, runs every package's benchmark one after another (so
// they do not compete for the CPU), echoes each as it runs, and writes bench/results.md with
// the machine, the Node version and the date the figures were measured on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { env, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const benches = readdirSync('packages')
  .map((dir) => ({ dir: join('packages', dir), manifest: JSON.parse(readFileSync(join('packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.scripts?.bench !== undefined);

const sections = [];
let failed = false;
for (const { dir, manifest } of benches) {
  console.log(`\n=== ${manifest.name} ===`);
  const run = spawnSync('npm', ['run', '--silent', 'bench'], { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(run.stdout ?? '');
  if (run.status !== 0) failed = true;
  sections.push(`## ${manifest.name}\n\n\`npm run bench -w ${manifest.name}\`${run.status === 0 ? '' : ` (exited with ${run.status})`}\n\n\`\`\`text\n${(run.stdout ?? '').trim()}\n\`\`\`\n`);
}

const cpu = cpus();
const header = [
  '# Benchmark results',
  '',
  'Written by `npm run bench`. Times are medians of many iterations; the ratios compare',
  'candidates measured in the same run, in turns, so machine noise falls on all of them.',
  'Numbers from another machine, or another run on a busy one, will differ: compare ratios.',
  '',
  `- Measured: ${new Date().toISOString()}`,
  `- Node ${process.version} on ${process.platform}/${process.arch}`,
  `- CPU: ${cpu[0]?.model ?? 'unknown'} (${cpu.length} logical cores), ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory`,
  '',
].join('\n');
if (!existsSync('bench')) mkdirSync('bench');
writeFileSync('bench/results.md', `${header}\n${sections.join('\n')}`);
console.log('\nWrote bench/results.md');
process.exit(failed ? 1 : 0);
