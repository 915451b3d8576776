import { packageTestsOnBackends } from '../../vitest.config.base';
import { BACKEND_SUITES } from './test/backends/suites';

// Every test with TF.js on cpu and jax-js on wasm (project `node`); the engine tests once more
// with TF.js on wasm too (project `node-wasm`).
export default packageTestsOnBackends([{ backend: 'wasm', ...BACKEND_SUITES }]);
