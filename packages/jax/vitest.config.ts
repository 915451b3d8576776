import { packageTests } from '../../vitest.config.base';

// --expose-gc: the memory test collects garbage before each reading, so that the figures it
// compares are live memory, not garbage waiting for a collection.
export default packageTests({ poolOptions: { forks: { execArgv: ['--expose-gc'] } } });
