import { packageTests } from '../../vitest.config.base';

// Type-aware lint starts a TypeScript project service for each file's package: slow at first.
export default packageTests({ testTimeout: 120_000 });
