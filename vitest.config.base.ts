import { defineConfig } from 'vitest/config';
import type { ViteUserConfig } from 'vitest/config';

/**
 * The test set-up every package shares: tests in `test/`, type tests (`*.test-d.ts`) checked
 * by the compiler, and a JSON report that `npm test` sums into one closing line.
 */
export function packageTests(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      // Generous: the machines this runs on are small and shared, and a timeout is not a
      // measurement (benchmarks measure speed, as ratios).
      testTimeout: 30_000,
      hookTimeout: 60_000,
      typecheck: {
        enabled: true,
        include: ['test/**/*.test-d.ts'],
        tsconfig: './tsconfig.json',
      },
      reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
      ...overrides,
    },
  });
}
