import { packageTestsOnBackends } from '../../vitest.config.base';
import { BACKEND_SUITES } from './test/backends/suites';

// Every test on TF.js's cpu backend (project `node`); the backend suites once more on its wasm
// backend (project `node-wasm`).
export default packageTestsOnBackends([{ backend: 'wasm', ...BACKEND_SUITES }]);
