// The system Chromium: where it is, and the flags every page of ours runs under. No browser is
// ever downloaded: a missing Chromium is reported, with the one command that installs it.
import { existsSync } from 'node:fs';

/** The command that installs the browser the tests run on (Debian's headless Chromium). */
export const INSTALL_CHROMIUM = 'apt-get update && apt-get install -y --no-install-recommends chromium-headless-shell';

const CANDIDATES = ['/usr/bin/chromium-headless-shell', '/usr/lib/chromium/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The Chromium to run: `$CHROMIUM_PATH` when set (an empty value means none), else the first installed candidate; `undefined` when there is none. */
export function findChromium() {
  const chosen = process.env.CHROMIUM_PATH;
  if (chosen !== undefined) return chosen !== '' && existsSync(chosen) ? chosen : undefined;
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Launch flags: no sandbox (root), no network chatter (the machine has none), and WebGPU through
 * SwiftShader (without these Chromium finds no WebGPU adapter on a machine without a GPU).
 * WebGL stays on (no --disable-gpu), on ANGLE's SwiftShader: without --use-angle=swiftshader a
 * WebGPU canvas drawn into a 2d canvas reads back as zeros, and that is how TF.js's and jax-js's
 * WebGPU backends read data synchronously (`dataSync`). playwright-core gives every launch a
 * fresh profile in a temporary folder of its own (and refuses a --user-data-dir here).
 */
export function chromiumArgs() {
  return [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-default-apps',
    '--no-first-run',
    '--enable-unsafe-webgpu',
    '--enable-features=Vulkan',
    '--use-vulkan=swiftshader',
    '--use-webgpu-adapter=swiftshader',
    '--use-angle=swiftshader',
  ];
}
