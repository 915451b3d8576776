import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

/*
 * The package boundaries are lint rules (eslint.config.js at the root). Each case lints a small
 * snippet as if it were a file at `path` and checks what `no-restricted-imports` says: a
 * forbidden import is an error, and an allowed one in the same place is not (so the rule is
 * neither off nor reporting everything). The snippets are linted without type information (no
 * TypeScript project holds them), which the import rules do not use.
 */

const root = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({
  cwd: root,
  overrideConfigFile: `${root}eslint.config.js`,
  overrideConfig: { files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked },
});

interface Finding {
  readonly rule: string | null;
  readonly severity: number;
  readonly message: string;
}

async function lint(path: string, code: string): Promise<Finding[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${path}` });
  if (result === undefined) throw new Error(`ESLint returned no result for ${path}.`);
  return result.messages.map((m) => ({ rule: m.ruleId, severity: m.severity, message: m.message }));
}

async function boundaryErrors(path: string, code: string): Promise<Finding[]> {
  const findings = await lint(path, code);
  // A parse error would leave every rule silent: fail loudly instead.
  expect(findings.filter((f) => f.rule === null)).toEqual([]);
  return findings.filter((f) => (f.rule === 'no-restricted-imports' || f.rule === '@typescript-eslint/no-restricted-imports') && f.severity === 2);
}

const forbidden: ReadonlyArray<readonly [who: string, path: string, code: string, says: RegExp]> = [
  ['core imports TF.js', 'packages/core/src/lintCase.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n", /Only an adapter imports an engine/],
  ['core imports jax-js', 'packages/core/src/kit/lintCase.ts', "import { numpy } from '@jax-js/jax';\nexport const n = numpy;\n", /Only an adapter imports an engine/],
  ['core imports a type of TF.js', 'packages/core/src/lintCase.ts', "import type { Tensor } from '@tensorflow/tfjs-core';\nexport type T = Tensor;\n", /Only an adapter imports an engine/],
  ['core imports another @chainrules package', 'packages/core/src/lintCase.ts', "import { f64 } from '@chainrules/testing';\nexport const g = f64;\n", /Core depends on no other @chainrules package/],
  ['rules import core’s adapter entry', 'packages/rules/src/lintCase.ts', "import { findValue } from '@chainrules/core/adapter';\nexport const f = findValue;\n", /Rules are written against @chainrules\/core/],
  ['rules import TF.js', 'packages/rules/src/lintCase.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n", /Only an adapter imports an engine/],
  ['rules import jax-js', 'packages/rules/src/lintCase.ts', "import { numpy } from '@jax-js/jax';\nexport const n = numpy;\n", /Only an adapter imports an engine/],
  ['rules import an adapter', 'packages/rules/src/lintCase.ts', "import { tfjsApi } from '@chainrules/tfjs';\nexport const x = tfjsApi;\n", /Rules are written against @chainrules\/core/],
  ['the TF.js adapter imports the jax-js adapter', 'packages/tfjs/src/lintCase.ts', "import { jaxAdapter } from '@chainrules/jax';\nexport const a = jaxAdapter;\n", /An adapter imports core through its public entries only/],
  ['the jax-js adapter re-exports the TF.js adapter', 'packages/jax/src/lintCase.ts', "export { tfjsAdapter } from '@chainrules/tfjs';\n", /An adapter imports core through its public entries only/],
  ['the jax-js adapter imports TF.js', 'packages/jax/src/lintCase.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n", /The jax-js adapter imports no other engine/],
  ['the TF.js adapter imports jax-js', 'packages/tfjs/src/lintCase.ts', "import { numpy } from '@jax-js/jax';\nexport const n = numpy;\n", /The TF.js adapter imports no other engine/],
  ['an adapter imports the testing package', 'packages/tfjs/src/lintCase.ts', "import { f64 } from '@chainrules/testing';\nexport const g = f64;\n", /An adapter imports core through its public entries only/],
  ['an adapter’s testing entry imports a value of the testing package (an optional peer)', 'packages/tfjs/src/testing.ts', "import { testRrule } from '@chainrules/testing';\nexport const t = testRrule;\n", /Only types from @chainrules\/testing here/],
  ['an adapter’s testing entry imports the other engine', 'packages/jax/src/testing.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n", /An adapter imports no other engine/],
  ['an adapter’s testing entry imports the other adapter', 'packages/tfjs/src/testing.ts', "import { jaxAdapter } from '@chainrules/jax';\nexport const a = jaxAdapter;\n", /testing entry imports core's public entries/],
  ['testing imports an engine', 'packages/testing/src/lintCase.ts', "import * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n", /Only an adapter imports an engine/],
  ['an adapter imports core’s source by a relative path', 'packages/tfjs/src/lintCase.ts', "import { findValue } from '../../core/src/kit/findValue';\nexport const f = findValue;\n", /not by a relative path into its folder/],
  ['a test imports another package’s source by a relative path', 'packages/jax/test/lintCase.test.ts', "import { foo } from '../../core/test/support/seed';\nimport { defineRule } from '../../core/src/index';\nexport const f = [foo, defineRule];\n", /not by a relative path into its folder/],
  ['an example imports a package’s build by a relative path', 'examples/seed/src/lintCase.ts', "import { defineRule } from '../../../packages/core/dist/index.js';\nexport const d = defineRule;\n", /not by a relative path into its folder/],
  ['an adapter imports a deep path of core', 'packages/jax/src/lintCase.ts', "import { registry } from '@chainrules/core/src/internal/registry';\nexport const r = registry;\n", /not its files/],
  ['an adapter imports core’s build files', 'packages/tfjs/src/lintCase.ts', "import { defineRule } from '@chainrules/core/dist/index.js';\nexport const d = defineRule;\n", /not its files/],
];

const allowed: ReadonlyArray<readonly [who: string, path: string, code: string]> = [
  ['core imports zod', 'packages/core/src/lintCase.ts', "import { z } from 'zod';\nexport const s = z.number();\n"],
  ['rules import core’s main entry', 'packages/rules/src/lintCase.ts', "import { defineRule } from '@chainrules/core';\nexport const d = defineRule;\n"],
  ['the TF.js adapter imports its engine and core’s two entries', 'packages/tfjs/src/lintCase.ts', "import * as tf from '@tensorflow/tfjs-core';\nimport { defineRule } from '@chainrules/core';\nimport { findValue } from '@chainrules/core/adapter';\nexport const all = [tf, defineRule, findValue];\n"],
  ['the jax-js adapter imports its engine', 'packages/jax/src/lintCase.ts', "import { numpy } from '@jax-js/jax';\nexport const n = numpy;\n"],
  ['testing imports core’s adapter entry', 'packages/testing/src/lintCase.ts', "import { findValue } from '@chainrules/core/adapter';\nexport const f = findValue;\n"],
  ['an adapter’s testing entry imports its engine, core and the testing package’s types', 'packages/jax/src/testing.ts', "import { grad } from '@jax-js/jax';\nimport { treeLeaves } from '@chainrules/core/adapter';\nimport type { ConformanceEngine } from '@chainrules/testing';\nexport const all = [grad, treeLeaves];\nexport type E = ConformanceEngine<number>;\n"],
  ['a test imports a sibling file by a relative path', 'packages/tfjs/test/lintCase.test.ts', "import { tfjsAdapter } from '../src/index';\nexport const a = tfjsAdapter;\n"],
  ['a test of rules runs them on both engines', 'packages/rules/test/lintCase.test.ts', "import { tfjsApi } from '@chainrules/tfjs';\nimport { jaxApi } from '@chainrules/jax';\nexport const both = [tfjsApi, jaxApi];\n"],
];

describe('the package boundaries are lint errors', () => {
  it.each(forbidden)('%s', async (_who, path, code, says) => {
    // One import: one error, or two where it breaks two restrictions (a deep path into core
    // from an adapter is also not one of core's entries).
    const messages = (await boundaryErrors(path, code)).map((e) => e.message);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(messages).toContainEqual(expect.stringMatching(says));
  });

  it.each(allowed)('but not when %s', async (_who, path, code) => {
    expect(await boundaryErrors(path, code)).toEqual([]);
  });
});

describe('a lint exception says why', () => {
  const code = "// eslint-disable-next-line no-restricted-imports\nimport * as tf from '@tensorflow/tfjs';\nexport const t = tf;\n";

  it('an eslint-disable without a reason is an error', async () => {
    const findings = await lint('packages/core/src/lintCase.ts', code);
    expect(findings).toContainEqual(expect.objectContaining({ rule: '@eslint-community/eslint-comments/require-description', severity: 2 }));
  });

  it('an eslint-disable that nothing needs is an error', async () => {
    const findings = await lint('packages/core/src/lintCase.ts', "// eslint-disable-next-line no-restricted-imports -- not needed\nimport { z } from 'zod';\nexport const s = z.number();\n");
    expect(findings.some((f) => f.severity === 2 && /unused eslint-disable|no problems were reported/i.test(f.message))).toBe(true);
  });
});
