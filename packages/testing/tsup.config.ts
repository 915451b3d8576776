import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

// Two entries: the checks (no test runner needed) and the vitest conformance suites. The
// suites are published as ESM only, like vitest itself (which cannot be required from
// CommonJS): package.json leaves their CJS build out of `exports` and `files`.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/conformance.ts'] }));
