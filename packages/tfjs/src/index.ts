export { tfjsAdapter, tfjsConfig } from './adapter';
export type { TfjsAdapter } from './adapter';
export { tfjsApi } from './tfjsApi';
export { projectCotangent } from './project';
export { releaseAbandonedTapes } from './tape';
