import { fileURLToPath } from 'node:url';
import { describeDocExamples } from '../../../tools/docExamples';

// The examples in the READMEs and docs/ that use @chainrules/rules run here.
describeDocExamples({
  root: fileURLToPath(new URL('../../../', import.meta.url)),
  scratch: fileURLToPath(new URL('./.docs/', import.meta.url)),
  tsconfig: fileURLToPath(new URL('../tsconfig.json', import.meta.url)),
  owner: '@chainrules/rules',
  mustHaveExamples: ['packages/rules/README.md'],
});
