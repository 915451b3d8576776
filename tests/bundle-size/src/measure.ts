/**
 * What each package costs a page: the page bundled with esbuild (minified, for the browser),
 * then gzipped. The engines are the application's own and are left out (external).
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The pages, by the package each measures. */
export const PAGES = {
  '@chainrules/core': 'core.js',
  '@chainrules/rules': 'rules.js',
  '@chainrules/tfjs': 'tfjs.js',
  '@chainrules/jax': 'jax.js',
  '@chainrules/testing': 'testing.js',
} as const;

/** A package measured. */
export type Measured = keyof typeof PAGES;

/** The sizes of one page, in bytes. */
export interface PageSize {
  readonly minified: number;
  readonly gzipped: number;
  /** Bytes of the minified bundle from zod. */
  readonly zod: number;
  /** Bytes of the minified bundle from the package's own build (`packages/<name>/dist`). */
  readonly own: number;
}

/** Bundles the page of `pkg` and returns its sizes. */
export async function measure(pkg: Measured): Promise<PageSize> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../pages/${PAGES[pkg]}`, import.meta.url))],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
    external: ['@tensorflow/*', '@jax-js/*'],
  });
  const code = result.outputFiles[0]!.contents;
  const output = Object.values(result.metafile.outputs)[0]!;
  const from = (test: (path: string) => boolean): number =>
    Object.entries(output.inputs).reduce((sum, [path, { bytesInOutput }]) => sum + (test(path) ? bytesInOutput : 0), 0);
  const dir = `packages/${pkg.slice('@chainrules/'.length)}/dist/`;
  return {
    minified: code.byteLength,
    gzipped: gzipSync(code, { level: 9 }).byteLength,
    zod: from((path) => path.includes('node_modules/zod/')),
    own: from((path) => path.includes(dir)),
  };
}

/** Kilobytes (1024 bytes), to one decimal. */
export const kb = (bytes: number): string => (bytes / 1024).toFixed(1);
