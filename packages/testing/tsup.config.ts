import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

// Two entries: the checks (no test runner needed) and the vitest conformance suites.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/conformance.ts'] }));
