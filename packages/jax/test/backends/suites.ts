/** The suites that run on every jax-js device in Chromium, and the file that selects the device first. */
export const BACKEND_SUITES = {
  include: ['test/conformance.test.ts', 'test/arrayApi.test.ts', 'test/backends/*.test.ts'],
  setupFiles: ['test/backends/select.ts'],
} as const;
