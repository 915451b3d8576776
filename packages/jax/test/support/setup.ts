import { afterAll, beforeAll, beforeEach } from 'vitest';
import { installAdapter } from '@chainrules/core';
import type { Array as JaxArray } from '@jax-js/jax';
import { jaxAdapter } from '../../src/index';
import { ready$, resetCounts } from './rules';

/** Registers hooks: `await init('wasm')`, the adapter installed for the file, counters reset before each test. */
export function useJax(): void {
  let uninstall: (() => void) | undefined;
  beforeAll(async () => {
    await ready$();
    uninstall = installAdapter(jaxAdapter);
  });
  afterAll(() => uninstall?.());
  beforeEach(() => resetCounts());
}

/** The values of a jax-js array (consumes it), as plain numbers or nested lists. */
export const js = (x: unknown): unknown => (x as JaxArray).js();

/** The error `run` throws, or `undefined` when it returns. */
export function errorOf(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
