import { defineConfig } from 'vitest/config';

// The playground's browser test: runs in Node and drives the system Chromium (playwright-core).
// `npm run test:browser` runs it through tools/browser/run.mjs, which reports a missing Chromium.
export default defineConfig({
  test: {
    include: ['browser/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', ['json', { outputFile: 'test-results/browser.json' }]],
  },
});
