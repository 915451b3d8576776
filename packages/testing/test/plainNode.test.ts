import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The checks must work with no test runner: these scripts use node:assert and the built package.
const run = (script: string) => execFileSync(process.execPath, [fileURLToPath(new URL(`./support/${script}`, import.meta.url))], { encoding: 'utf8' });

describe('outside vitest', () => {
  it('runs from an ES module with node:assert', () => {
    expect(run('plainAssert.mjs')).toContain('plain assert: ok');
  });

  it('runs from CommonJS', () => {
    expect(run('plainAssert.cjs')).toContain('plain assert (cjs): ok');
  });
});
