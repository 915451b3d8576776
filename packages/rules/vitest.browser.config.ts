import { browserTests } from '../../vitest.config.base';
import { BACKEND_SUITES } from './test/backends/suites';

// The engine tests in headless Chromium: TF.js and jax-js both on webgl, on webgpu, on wasm.
export default browserTests(['webgl', 'webgpu', 'wasm'].map((backend) => ({ backend, ...BACKEND_SUITES })));
