import { browserTests } from '../../vitest.config.base';
import { BACKEND_SUITES } from './test/backends/suites';

// The backend suites in headless Chromium, on each of TF.js's browser backends.
export default browserTests(['webgl', 'webgpu', 'wasm'].map((backend) => ({ backend, ...BACKEND_SUITES })));
