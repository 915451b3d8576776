// Sums the vitest reports of every workspace into one closing line: "N passed, N failed".
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
// The workspace folders, from the root package.json (`packages/*` → `packages`).
const groups = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces.map((glob) => glob.replace(/\/\*$/, ''));
let passed = 0;
let failed = 0;
let skipped = 0;
let suites = 0;
for (const group of groups) {
  const dir = join(root, group);
  if (!existsSync(dir)) continue;
  for (const name of readdirSync(dir)) {
    const report = join(dir, name, 'test-results', 'vitest.json');
    if (!existsSync(report)) continue;
    const result = JSON.parse(readFileSync(report, 'utf8'));
    passed += result.numPassedTests;
    failed += result.numFailedTests;
    skipped += result.numPendingTests + result.numTodoTests;
    suites++;
  }
}
console.log(`\n${suites} workspaces tested`);
console.log(`tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || suites === 0 ? 1 : 0);
