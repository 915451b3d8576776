/*
 * The playground in the system Chromium, as `npm run playground -- --build` writes it: the page
 * loads with no console errors, the fit reaches the demo's parameters on every engine and
 * backend the page offers, an edited wrong rule shows testRrule's failure, and a screenshot of
 * the page is written to out/playground.png.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { build, preview } from 'vite';
import type { PreviewServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumArgs, findChromium } from '../../../tools/browser/chromium.mjs';
import { makeData } from '../src/data';
import type { GaussianParams } from '../src/data';
import { fit } from '../src/fit';
import { tfjsEngine } from '../src/tfjsEngine';

const configFile = fileURLToPath(new URL('../vite.config.ts', import.meta.url));
const screenshot = fileURLToPath(new URL('../out/playground.png', import.meta.url));

let server: PreviewServer;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
let offers: { engine: string; backends: string[] }[] = [];
/** The parameters the demo reaches (`npm run demo`: 300 steps on TF.js's CPU backend, in Node). */
let demo: GaussianParams;
/**
 * Steps per fit: the demo's 300 where a step takes a millisecond; 150 on the GPU backends, which
 * run on SwiftShader (a CPU) here at 20–150 ms a step. The fit has settled by step 150: its
 * parameters are within 1e-3 of step 300's.
 */
const stepsOn = (backend: string): number => (backend === 'cpu' || backend === 'wasm' ? 300 : 150);

beforeAll(async () => {
  demo = fit(tfjsEngine, makeData(), 'rule', 300).params;
  await build({ configFile, logLevel: 'warn' });
  server = await preview({ configFile, preview: { port: 0, host: '127.0.0.1' } });
  const { port } = server.httpServer.address() as AddressInfo;
  browser = await chromium.launch({ executablePath: findChromium()!, args: chromiumArgs(), headless: true });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(String(error)));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForSelector('#fit-status[data-state="idle"]', { timeout: 240_000 });
  offers = JSON.parse((await page.getAttribute('#fit-status', 'data-offers'))!);
  // Generous: a Vite build, a TF.js fit in Node and a page probing every backend, on a small
  // shared machine (a timeout is not a measurement).
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the playground in Chromium', () => {
  it('offers both engines, on the backends this machine has', () => {
    expect(offers.map((o) => o.engine)).toEqual(['TF.js', 'jax-js']);
    expect(offers[0]!.backends).toEqual(expect.arrayContaining(['cpu', 'wasm', 'webgl']));
    expect(offers[1]!.backends).toEqual(expect.arrayContaining(['wasm']));
    console.info(`offered: ${offers.map((o) => `${o.engine} on ${o.backends.join(', ')}`).join('; ')}`);
  });

  it('fits the demo’s parameters through the rule on every engine and backend it offers', async () => {
    let run = 0;
    for (const { engine, backends } of offers) {
      for (const backend of backends) {
        await page.selectOption('#engine', engine);
        await page.selectOption('#backend', backend);
        const steps = stepsOn(backend);
        await page.fill('#steps', String(steps));
        await page.click('#fit');
        run++;
        await page.waitForSelector(`#fit-status[data-run="${run}"]:is([data-state="done"], [data-state="error"])`, { timeout: 240_000 });
        const where = `${engine} on ${backend}`;
        expect(await page.textContent('#fit-status'), where).toContain('Fitted on');
        const params = JSON.parse((await page.getAttribute('#fit-status', 'data-params'))!);
        const calls = JSON.parse((await page.getAttribute('#fit-status', 'data-calls'))!);
        for (const key of ['amplitude', 'pos', 'sigma'] as const) expect(Math.abs(params[key] - demo[key]), `${where}: ${key} ${params[key]} (the demo's: ${demo[key]})`).toBeLessThan(2e-3);
        // The rule ran at every step: TF.js through its rrule and pullback, jax-js its frule.
        expect(engine === 'TF.js' ? [calls.rrule, calls.pullback] : [calls.frule], where).toEqual(engine === 'TF.js' ? [steps, steps] : [steps]);
        expect(await page.textContent('#stat-native-ms'), where).toMatch(/ms \(the rule: \d+\.\d\d×\)/);
      }
    }
  }, 900_000);

  it('checks the starter rule with testRrule: it passes', async () => {
    await page.click('#check');
    await expect.poll(() => page.getAttribute('#verdict', 'data-verdict')).toBe('pass');
    expect(await page.textContent('#verdict-detail')).toContain('cotangent kwargs.c');
  });

  it('shows the failure of an edited wrong rule (the sign of c̄ flipped), with the slot and the numbers', async () => {
    const code = await page.inputValue('#rule-code');
    expect(code).toContain('kwargs: new Tangent({ c: dy * x * x })');
    await page.fill('#rule-code', code.replace('kwargs: new Tangent({ c: dy * x * x })', 'kwargs: new Tangent({ c: -dy * x * x })'));
    await page.click('#check');
    await expect.poll(() => page.getAttribute('#verdict', 'data-verdict')).toBe('fail');
    const detail = (await page.textContent('#verdict-detail'))!;
    expect(detail).toContain('testRrule(scaled) [kwargs.c]: the cotangent of kwargs.c disagrees with finite differences');
    mkdirSync(fileURLToPath(new URL('../out/', import.meta.url)), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  it('logged no console errors', () => {
    expect(consoleErrors).toEqual([]);
  });
});
