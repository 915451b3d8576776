import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

// Three entries: the checks and the fixtures (test rules), which need no test runner, and the
// vitest conformance suites. The suites are published as ESM only, like vitest itself (which
// cannot be required from CommonJS): package.json leaves their CJS build out of `exports` and
// `files`.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/fixtures.ts', 'src/conformance.ts'] }));
