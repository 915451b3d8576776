import { afterAll, beforeAll } from 'vitest';
import { installAdapter } from '@chainrules/core';
import { tfjsAdapter } from '@chainrules/tfjs';
import { jaxAdapter } from '@chainrules/jax';
import { selectJaxDevice } from '../../../tools/backends/jax';
import { selectTfjsBackend } from '../../../tools/backends/tfjs';

/**
 * For the test file that calls it: TF.js on `backend` and jax-js on `device` (cpu and wasm in
 * Node), both adapters installed before the file's tests and uninstalled after them.
 */
export function useEngines(backend = 'cpu', device = 'wasm'): void {
  const uninstall: Array<() => void> = [];
  beforeAll(async () => {
    await selectTfjsBackend(backend);
    await selectJaxDevice(device);
    uninstall.push(installAdapter(tfjsAdapter), installAdapter(jaxAdapter));
  });
  afterAll(() => {
    for (const u of uninstall.reverse()) u();
  });
}
