// `npm test`: lint, typecheck and test every workspace with turbo (the browser suites in the system
// Chromium when there is one), then one closing summary. The Chromium found is handed to turbo
// as CHROMIUM_PATH (empty: none), so that a cached run without a browser is not replayed once
// one is installed.
import { spawnSync } from 'node:child_process';
import { findChromium } from '../tools/browser/chromium.mjs';

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', CHROMIUM_PATH: findChromium() ?? '' };
const turbo = spawnSync('npx', ['turbo', 'run', 'lint', 'lint:root', 'typecheck', 'test', 'test:browser', '--concurrency=2'], { env, stdio: 'inherit' });
const summary = spawnSync(process.execPath, ['scripts/test-summary.mjs'], { env, stdio: 'inherit' });
process.exit(turbo.status !== 0 ? (turbo.status ?? 1) : (summary.status ?? 1));
