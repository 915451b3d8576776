import { fileURLToPath } from 'node:url';
import { describeDocExamples, importsTesting } from '../../../tools/docExamples';

// The examples that use @chainrules/testing (its README, the guide on testing rules) run here.
describeDocExamples({
  root: fileURLToPath(new URL('../../../', import.meta.url)),
  documents: ['README.md', 'packages/testing/README.md'],
  scratch: fileURLToPath(new URL('./.docs/', import.meta.url)),
  tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
  claims: importsTesting,
  mustHaveExamples: ['packages/testing/README.md', 'docs/testing-rules.md'],
});
