import { packageTests } from '../../vitest.config.base';

// Packing and installing every package takes a while on a busy machine.
export default packageTests({ testTimeout: 240_000, hookTimeout: 240_000 });
