export { tfjsAdapter } from './adapter';
export { tfjsConfig } from './config';
export type { TfjsAdapter } from './adapter';
export { tfjsApi } from './tfjsApi';
export { releaseAbandonedTapes } from './tape';
