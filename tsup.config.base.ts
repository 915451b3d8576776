import type { Options } from 'tsup';

/**
 * The one build every package shares: ESM and CJS from `src/index.ts`, with `.d.ts` and
 * `.d.cts` declarations, so that both module systems get types.
 */
export function packageBuild(overrides: Options = {}): Options {
  return {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    treeshake: true,
    ...overrides,
  };
}
