// Runs a benchmark page in the system Chromium, once per backend: bundles the entry (esbuild,
// for the browser), serves it on 127.0.0.1 with the engines' .wasm files, and prints and records
// (BENCH_RECORD, as tools/measure.ts does in Node) the tables the page hands back. Without a
// Chromium it says so and measures nothing.
//   node scripts/bench-browser.mjs <page.ts> [backend…]   (default: webgl webgpu wasm)
import { appendFileSync, createReadStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { chromiumArgs, findChromium, INSTALL_CHROMIUM } from '../tools/browser/chromium.mjs';

const [entry, ...asked] = process.argv.slice(2);
if (entry === undefined) {
  console.error('usage: node scripts/bench-browser.mjs <page.ts> [backend…]');
  process.exit(2);
}
const backends = asked.length > 0 ? asked : ['webgl', 'webgpu', 'wasm'];
const executablePath = findChromium();
if (executablePath === undefined) {
  console.log(`\nNO CHROMIUM: the browser benchmarks (${backends.join(', ')}) did not run. Install it with: ${INSTALL_CHROMIUM}`);
  process.exit(0);
}

const root = resolve(new URL('..', import.meta.url).pathname);
const wasmDir = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
const out = mkdtempSync(join(tmpdir(), 'bench-page-'));
// Vite's `?url` imports (tools/backends/tfjs.ts) become the URL this server gives the file.
const urls = { name: 'url', setup: (b) => {
  b.onResolve({ filter: /\?url$/ }, (args) => ({ path: basename(args.path.slice(0, -'?url'.length)), namespace: 'url' }));
  b.onLoad({ filter: /.*/, namespace: 'url' }, (args) => ({ contents: `export default '/wasm/${args.path}';`, loader: 'js' }));
} };
await build({ entryPoints: [resolve(entry)], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outfile: join(out, 'page.js'), plugins: [urls], logLevel: 'error', define: { 'process.env.NODE_ENV': '"production"' } });

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  const file = path === '/' ? null : path.startsWith('/wasm/') ? join(wasmDir, basename(path)) : join(out, basename(path));
  if (file === null) {
    response.writeHead(200, { 'content-type': types['.html'] });
    response.end('<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/page.js"></script>');
    return;
  }
  if (!existsSync(file)) {
    response.writeHead(404);
    response.end();
    return;
  }
  response.writeHead(200, { 'content-type': types[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream' });
  createReadStream(file).pipe(response);
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const { port } = server.address();

const browser = await chromium.launch({ executablePath, args: chromiumArgs(), headless: true });
let failed = false;
try {
  for (const backend of backends) {
    const page = await browser.newPage();
    const done = new Promise((ok) => {
      void page.exposeFunction('benchDone', (error) => ok(error));
    });
    await page.exposeFunction('benchRecord', (record, lines) => {
      for (const line of lines) console.log(line);
      const file = process.env.BENCH_RECORD;
      if (file !== undefined && file !== '') appendFileSync(file, `${JSON.stringify(record)}\n`);
    });
    page.on('pageerror', (error) => console.error(`[${backend}] ${error}`));
    console.log(`\n--- Chromium, ${backend} backend ---`);
    await page.goto(`http://127.0.0.1:${port}/?backend=${backend}`, { waitUntil: 'commit' });
    const error = await done;
    if (error !== null) {
      failed = true;
      console.error(`[${backend}] the benchmark failed: ${error}`);
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
  rmSync(out, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
