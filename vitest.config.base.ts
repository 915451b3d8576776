import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import type { TestProjectInlineConfiguration, ViteUserConfig } from 'vitest/config';

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

/** One engine backend a package's backend suites run on. */
export interface BackendRun {
  /** The backend's name as the engine spells it (`'wasm'`, `'webgl'`, `'webgpu'`): test files read it with `inject('backend')`. */
  readonly backend: string;
  /** The test files that run on every backend (the conformance suites, the engine tests). */
  readonly include: readonly string[];
  /** Files that select the backend before the tests import anything (`tf.setBackend`, `init`). */
  readonly setupFiles: readonly string[];
}

/**
 * `packageTests` with the backend suites run once more in Node on other backends of the engine
 * (TF.js's wasm backend): a project `node` with every test, and a project `node-<backend>` per
 * run with the backend suites only.
 */
export function packageTestsOnBackends(runs: readonly BackendRun[], overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  const base = packageTests(overrides).test!;
  const { include, typecheck, ...shared } = base;
  const projects: TestProjectInlineConfiguration[] = [
    { extends: true, test: { name: 'node', include: include!, typecheck: typecheck! } },
    ...runs.map((run) => ({
      extends: true as const,
      test: { name: `node-${run.backend}`, include: [...run.include], setupFiles: [...run.setupFiles], provide: { backend: run.backend } },
    })),
  ];
  return defineConfig({ test: { ...shared, projects } });
}

const provider = fileURLToPath(new URL('./tools/browser/provider.mjs', import.meta.url));

/**
 * The backend suites in headless Chromium (the system's, driven by playwright-core): one vitest
 * browser project per backend, one after another, reported to `test-results/browser.json`.
 * `npm run test:browser` in a package runs this config through tools/browser/run.mjs, which
 * reports a missing Chromium instead of failing (and fails in CI).
 */
export function browserTests(runs: readonly BackendRun[], overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    // Engines' wasm files are fetched by URL: let Vite serve them as they are.
    assetsInclude: ['**/*.wasm'],
    server: { host: '127.0.0.1' },
    test: {
      testTimeout: 120_000,
      hookTimeout: 120_000,
      fileParallelism: false,
      reporters: ['default', ['json', { outputFile: 'test-results/browser.json' }]],
      projects: runs.map((run) => ({
        extends: true,
        test: {
          name: `chromium-${run.backend}`,
          include: [...run.include],
          setupFiles: [...run.setupFiles],
          provide: { backend: run.backend },
          browser: {
            enabled: true,
            provider,
            headless: true,
            screenshotFailures: false,
            instances: [{ browser: 'chromium' }],
          },
        },
      })),
      ...overrides,
    },
  });
}
