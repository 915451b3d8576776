export { tfjsAdapter, tfjsConfig } from './tfjsAdapter';
export type { TfjsAdapter } from './tfjsAdapter';
export { tfjsApi } from './tfjsApi';
export { projectCotangent } from './project';
export { releaseAbandonedTapes } from './tape';
