import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

// Two entries: the adapter, and `./testing` (the engine hooks @chainrules/testing drives), kept
// apart so that the adapter's bundle does not grow. Split into shared chunks in both formats,
// so that the testing entry's adapter is the very object the main entry exports, also from
// CommonJS.
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/testing.ts'], splitting: true }));
