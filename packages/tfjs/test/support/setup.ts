import { afterAll, beforeAll } from 'vitest';
import { installAdapter } from '@chainrules/core';
import { tfjsAdapter } from '../../src/index';
import { flaky } from './rules';

/** Installs the TF.js adapter for the calling test file, and uninstalls it (the flaky rule calmed) after its last test. */
export function installAdapterForFile(): void {
  let uninstall: () => void = () => {};
  beforeAll(() => {
    uninstall = installAdapter(tfjsAdapter);
  });
  afterAll(() => {
    flaky.every = 0;
    uninstall();
  });
}
