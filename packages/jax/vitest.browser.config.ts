import { browserTests } from '../../vitest.config.base';
import { BACKEND_SUITES } from './test/backends/suites';

// The backend suites in headless Chromium, on each of jax-js's browser devices (wasm is also
// the device every test runs on in Node).
export default browserTests(['webgpu', 'webgl', 'wasm'].map((backend) => ({ backend, ...BACKEND_SUITES })));
