import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The playground (`npm run playground`): served on 127.0.0.1 only; `--build` writes a static site to out/playground. */
export default defineConfig({
  root: fileURLToPath(new URL('./playground', import.meta.url)),
  base: './',
  // Engines' .wasm files are fetched by URL: served and copied as they are.
  assetsInclude: ['**/*.wasm'],
  server: { host: '127.0.0.1', strictPort: false },
  preview: { host: '127.0.0.1' },
  build: {
    outDir: fileURLToPath(new URL('./out/playground', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 4096,
  },
});
