/** The suites that run on every backend: the rules through both engines (each selects its backend in beforeAll). */
export const BACKEND_SUITES = {
  include: ['test/engines.test.ts'],
  setupFiles: [],
} as const;
