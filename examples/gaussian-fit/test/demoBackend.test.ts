import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// `npm run demo -- --backend wasm`, as a user runs it (the example's own entry point).
const demo = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', env: { ...process.env, INIT_CWD: '' } });

describe('the demo on a chosen TF.js backend', () => {
  it('--backend wasm fits on TF.js’s wasm backend and says so', () => {
    const run = demo('--backend', 'wasm');
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('TF.js runs on its wasm backend');
    expect(run.stdout).toMatch(/^TF\.js \(wasm\)$/m);
    expect(run.stdout).toMatch(/TF\.js \(wasm\)\n {2}loss .*\n {2}fitted {2}amplitude 2\.5\d\d {2}pos 0\.7\d\d {2}sigma 1\.29\d/);
  }, 120_000);

  it('without --backend it runs on the CPU backend and names the faster one', () => {
    const run = demo();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('TF.js runs on its cpu backend (--backend wasm is faster)');
  }, 120_000);

  it('refuses a backend Node cannot run, naming those it can', () => {
    const run = demo('--backend', 'webgl');
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--backend must be one of cpu, wasm, not webgl');
  });
});
