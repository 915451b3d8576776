import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The engine backend a project runs its suites on (`vitest.config.ts`, `vitest.browser.config.ts`). */
    backend: string;
  }
}

/** The TF.js backend this run's suites use: `cpu` unless a project selected another. */
export const BACKEND: string = inject('backend') ?? 'cpu';

/** Whether the suites run in a browser page (Chromium) rather than in Node. */
export const IN_BROWSER = typeof (globalThis as { window?: unknown }).window !== 'undefined';
