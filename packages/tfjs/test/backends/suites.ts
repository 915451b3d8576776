/** The suites that run on every TF.js backend, and the file that selects the backend first. */
export const BACKEND_SUITES = {
  include: ['test/conformance.test.ts', 'test/arrayApi.test.ts', 'test/backends/accounting.test.ts'],
  setupFiles: ['test/backends/select.ts'],
} as const;
