import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.config.base';

// Two entries: what rule authors and users import, and the adapter kit (`@chainrules/core/adapter`).
export default defineConfig(packageBuild({ entry: ['src/index.ts', 'src/adapter.ts'] }));
