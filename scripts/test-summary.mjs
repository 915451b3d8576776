// Sums the vitest reports of every workspace (Node and, where they ran, the browser suites) into
// one closing line: "N passed, N failed". A workspace whose browser suites could not run for
// want of a Chromium is reported above it, loudly, with the command that installs one.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// The workspace folders, from the root package.json (`packages/*` → `packages`).
const groups = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.map((glob) => glob.replace(/\/\*$/, ''));
let passed = 0;
let failed = 0;
let skipped = 0;
let suites = 0;
let browserSuites = 0;
const noBrowser = [];
let install = '';
for (const group of groups) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const results = join(dir, name, 'test-results');
    const missing = join(results, 'browser-missing.json');
    if (existsSync(missing)) {
      noBrowser.push(`${group}/${name}`);
      install = JSON.parse(readFileSync(missing, 'utf8')).install;
    }
    for (const file of ['vitest.json', 'browser.json']) {
      const report = join(results, file);
      if (!existsSync(report)) continue;
      const result = JSON.parse(readFileSync(report, 'utf8'));
      passed += result.numPassedTests;
      failed += result.numFailedTests;
      skipped += result.numPendingTests + result.numTodoTests;
      if (file === 'vitest.json') suites++;
      else browserSuites++;
    }
  }
}
console.log(`\n${suites} workspaces tested${browserSuites > 0 ? `, ${browserSuites} of them in Chromium too` : ''}`);
if (noBrowser.length > 0) {
  console.log(`\n!!! NO CHROMIUM: the browser suites of ${noBrowser.join(', ')} did NOT run. Install it with: ${install} !!!\n`);
}
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || suites === 0 ? 1 : 0);
