// `npm run bench`: builds the packages, runs every package's benchmark one after another (so
// they do not compete for the CPU), echoes each as it runs, and writes bench/results.md: one
// table per engine and backend (TF.js and jax-js in Node, and in Chromium on webgl, webgpu and
// wasm when a Chromium is installed; plain numbers) gathered from every package's comparisons,
// then each benchmark's full output, with the machine, the Node version and the date.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
const build = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], { env, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const benches = readdirSync('packages')
  .map((dir) => ({ dir: join('packages', dir), manifest: JSON.parse(readFileSync(join('packages', dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => manifest.scripts?.bench !== undefined);

/** Which engine (and backend) a table measures: the backend its title names, the adapter's package, or the engine its title names. */
const engineOf = (pkg, title) => {
  const onBackend = title.match(/^(TF\.js|jax-js) (\w+) \((Node|Chromium)\)/);
  if (onBackend !== null) return `${onBackend[1] === 'TF.js' ? 'TensorFlow.js' : 'jax-js'} (${onBackend[2]} backend, ${onBackend[3] === 'Node' ? 'in Node' : 'in headless Chromium'})`;
  if (pkg === '@chainrules/tfjs' || title.startsWith('TF.js')) return 'TensorFlow.js (CPU backend)';
  if (pkg === '@chainrules/jax' || title.startsWith('jax-js')) return 'jax-js (wasm backend)';
  return 'Plain numbers and float64 reference arrays (no engine)';
};

const scratch = mkdtempSync(join(tmpdir(), 'bench-'));
const tables = new Map();
const outputs = [];
let failed = false;
for (const { dir, manifest } of benches) {
  console.log(`\n=== ${manifest.name} ===`);
  const record = join(scratch, `${manifest.name.replace(/\W+/g, '_')}.jsonl`);
  const run = spawnSync('npm', ['run', '--silent', 'bench'], { cwd: dir, env: { ...env, BENCH_RECORD: record }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  process.stdout.write(run.stdout ?? '');
  if (run.status !== 0) failed = true;
  outputs.push(`### ${manifest.name}\n\n\`npm run bench -w ${manifest.name}\`${run.status === 0 ? '' : ` (exited with ${run.status})`}\n\n\`\`\`text\n${(run.stdout ?? '').trim()}\n\`\`\`\n`);
  const lines = existsSync(record) ? readFileSync(record, 'utf8').trim().split('\n').filter(Boolean) : [];
  for (const line of lines) {
    const { title, rows } = JSON.parse(line);
    const engine = engineOf(manifest.name, title);
    if (!tables.has(engine)) tables.set(engine, []);
    tables.get(engine).push({ pkg: manifest.name, title, rows });
  }
}
rmSync(scratch, { recursive: true, force: true });

const time = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e4 ? `${(ns / 1e3).toFixed(1)} µs` : `${ns.toFixed(ns < 100 ? 1 : 0)} ns`);
const cell = (text) => String(text).replaceAll('|', '\\|');
const engineTables = [...tables].map(([engine, comparisons]) => {
  const rows = comparisons.flatMap(({ pkg, title, rows: candidates }) =>
    candidates.map((row, i) => {
      const goal = row.goal === undefined ? '' : ` (goal ≤ ${row.goal}×: ${row.ratio <= row.goal ? 'met' : 'missed'})`;
      return `| ${i === 0 ? `${cell(title)} — \`${pkg}\`` : ''} | ${cell(row.name)} | ${time(row.ns)} | ${i === 0 ? 'baseline' : `${row.ratio.toFixed(2)}×${goal}`} |`;
    }),
  );
  return `## ${engine}\n\n| comparison | candidate | median per call | ratio to the comparison's first row |\n|---|---|---|---|\n${rows.join('\n')}\n`;
});

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
writeFileSync('bench/results.md', `${header}\n${engineTables.join('\n')}\n## Full output of each benchmark\n\n${outputs.join('\n')}`);
console.log('\nWrote bench/results.md');
process.exit(failed ? 1 : 0);
