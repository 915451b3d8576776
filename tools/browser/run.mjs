// `npm run test:browser` in a package: its browser suites (vitest.browser.config.ts) in the
// system Chromium. Without a Chromium it runs nothing and leaves a marker that the closing
// summary of `npm test` reports in one loud line, with the command that installs one; under CI
// (CI=true) a missing Chromium is a failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findChromium, INSTALL_CHROMIUM } from './chromium.mjs';

const results = join(process.cwd(), 'test-results');
const marker = join(results, 'browser-missing.json');
const report = join(results, 'browser.json');
const chromium = findChromium();
if (chromium === undefined) {
  rmSync(report, { force: true });
  mkdirSync(results, { recursive: true });
  writeFileSync(marker, `${JSON.stringify({ missing: 'chromium', install: INSTALL_CHROMIUM })}\n`);
  console.error(`NO CHROMIUM: the browser tests did not run. Install it with: ${INSTALL_CHROMIUM}`);
  process.exit(process.env.CI === 'true' || process.env.CI === '1' ? 1 : 0);
}
rmSync(marker, { force: true });
const vitest = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.browser.config.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, CHROMIUM_PATH: chromium },
});
process.exit(vitest.status ?? 1);
