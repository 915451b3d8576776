import { fileURLToPath } from 'node:url';
import { describeDocExamples, importsTesting } from '../../../tools/docExamples';

// The examples of the root README, core's README and docs/ that use core alone run here.
describeDocExamples({
  root: fileURLToPath(new URL('../../../', import.meta.url)),
  documents: ['README.md', 'packages/core/README.md'],
  scratch: fileURLToPath(new URL('./.docs/', import.meta.url)),
  tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
  claims: (code) => !importsTesting(code),
  mustHaveExamples: ['README.md', 'packages/core/README.md', 'docs/getting-started.md', 'docs/concepts.md'],
});
