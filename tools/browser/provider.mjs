// A vitest browser provider that drives the system Chromium with playwright-core (which
// downloads nothing): vitest's own playwright provider, launched by path instead of through the
// `playwright` package.
import { playwright as PlaywrightProvider } from '@vitest/browser/providers';
import { chromium } from 'playwright-core';
import { chromiumArgs, findChromium, INSTALL_CHROMIUM } from './chromium.mjs';

export default class SystemChromiumProvider extends PlaywrightProvider {
  async openBrowser() {
    if (this.browser) return this.browser;
    if (this.browserPromise) return this.browserPromise;
    this.browserPromise = (async () => {
      const executablePath = findChromium();
      if (executablePath === undefined) throw new Error(`No Chromium found. Install it with: ${INSTALL_CHROMIUM}`);
      this.browser = await chromium.launch({ executablePath, args: chromiumArgs(), headless: true });
      this.browserPromise = null;
      return this.browser;
    })();
    return this.browserPromise;
  }
}
