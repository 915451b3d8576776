// @ts-check
/**
 * Lint for the whole repository: typescript-eslint's recommended rules, a few type-aware ones,
 * and the package boundaries of docs/writing-adapters.md as `no-restricted-imports` (core knows
 * no engine; rules use core's main entry only; adapters use core's public entries only and
 * never each other; no package reaches into another's `src/`). Every workspace runs it on its
 * own folder (`npm run lint` there); `npm test` runs them all.
 */
import js from '@eslint/js';
import comments from '@eslint-community/eslint-plugin-eslint-comments/configs';
import { fileURLToPath } from 'node:url';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const ENGINES = {
  group: ['@tensorflow/*', '@jax-js/*'],
  message: 'Only an adapter imports an engine (packages/tfjs: @tensorflow/*, packages/jax: @jax-js/*).',
};

/** Restrictions every file has: no relative path into another package, no deep path into one. */
const EVERYWHERE = [
  {
    regex: String.raw`^(\.\.?/)+(\.\./)*(packages/)?(core|testing|tfjs|jax|rules)/(src|dist)(/|$)`,
    message: "Import another package by its name and public entry (@chainrules/core, …), not by a relative path into its folder.",
  },
  {
    regex: String.raw`^@chainrules/[^/]+/(src|dist|internal)(/|$)`,
    message: 'Import a package through its public entries (package.json `exports`), not its files.',
  },
];

/**
 * `no-restricted-imports` for a folder: the restrictions every file has plus `patterns`.
 * (A later config block replaces an earlier one's options for the same rule, so each block
 * lists all of its restrictions.)
 * @param {...{ group?: string[]; regex?: string; message: string }} patterns
 */
const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns: [...EVERYWHERE, ...patterns] }] });

/** Other @chainrules packages than core, and core's paths other than its entries `@chainrules/core` and `@chainrules/core/adapter`. */
const coreEntriesOnly = (who) => ({
  regex: String.raw`^@chainrules/(?!core$|core/adapter$)`,
  message: `${who} imports core through its public entries only (@chainrules/core, @chainrules/core/adapter), and no other @chainrules package.`,
});

export default tseslint.config(
  {
    ignores: ['**/node_modules/', '**/dist/', '**/.turbo/', '**/coverage/', '**/test-results/', '**/api/', '**/.docs/', '**/out/', '**/.out/'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  comments.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: globals.node,
    },
    rules: {
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `let record; const fn = make(() => record); record = { fn, … }`: a record and a function
      // that point at each other.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // An `eslint-disable` says why, on its own line (`-- reason`), and is still needed.
      '@eslint-community/eslint-comments/require-description': 'error',
      '@eslint-community/eslint-comments/no-unused-disable': 'error',
      '@eslint-community/eslint-comments/disable-enable-pair': ['error', { allowWholeFile: true }],
    },
  },
  {
    files: ['**/*.ts', '**/*.mts', '**/*.cts'],
    languageOptions: {
      parserOptions: {
        projectService: {
          // Root files no workspace's tsconfig includes: checked with the root compiler options.
          allowDefaultProject: ['tools/*.ts', 'tools/*/*.ts', 'tools/*/*.mts', '*.config.base.ts', 'tsup.config.base.ts'],
          maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: 32,
        },
        tsconfigRootDir: fileURLToPath(new URL('.', import.meta.url)),
      },
    },
    rules: {
      // tsc (noUnusedLocals, noUnusedParameters) reports the same; this one adds unused imports
      // of types and keeps `_`-prefixed names free, as tsc does.
      '@typescript-eslint/no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'separate-type-imports' }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  { files: ['**/*.{js,mjs,cjs}'], ...tseslint.configs.disableTypeChecked },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: globals.node }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  {
    // Tests and benchmarks handle values of whichever engine runs (`type V = any`); in a
    // package's src every `any` is a decision and says why.
    files: ['**/test/**', '**/bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  // The architecture (DESIGN.md: packages; STYLE.md: layout).
  { files: ['**/*.{ts,mts,cts,js,mjs,cjs}'], rules: restrict() },
  {
    files: ['packages/core/src/**'],
    rules: restrict(ENGINES, { group: ['@chainrules/*'], message: 'Core depends on no other @chainrules package (they depend on it).' }),
  },
  {
    files: ['packages/rules/src/**'],
    rules: restrict(ENGINES, { regex: String.raw`^@chainrules/(?!core$)`, message: 'Rules are written against @chainrules/core (its main entry) only.' }),
  },
  {
    files: ['packages/testing/src/**'],
    rules: restrict(ENGINES, coreEntriesOnly('@chainrules/testing')),
  },
  {
    files: ['packages/tfjs/src/**'],
    rules: restrict({ group: ['@jax-js/*'], message: 'The TF.js adapter imports no other engine.' }, coreEntriesOnly('An adapter')),
  },
  {
    files: ['packages/jax/src/**'],
    rules: restrict({ group: ['@tensorflow/*'], message: 'The jax-js adapter imports no other engine.' }, coreEntriesOnly('An adapter')),
  },
  ...[
    ['tfjs', '@jax-js/*'],
    ['jax', '@tensorflow/*'],
  ].map(([adapter, otherEngine]) => ({
    // An adapter's `./testing` entry (its engine hooks for @chainrules/testing) names the
    // testing package's types, and nothing of it at run time: it is an optional peer.
    files: [`packages/${adapter}/src/testing.ts`],
    rules: {
      ...restrict({ group: [otherEngine], message: 'An adapter imports no other engine.' }, {
        regex: String.raw`^@chainrules/(?!core$|core/adapter$|testing$)`,
        message: "An adapter's testing entry imports core's public entries, and types of @chainrules/testing, only.",
      }),
      '@typescript-eslint/no-restricted-imports': ['error', { paths: [{ name: '@chainrules/testing', allowTypeImports: true, message: 'Only types from @chainrules/testing here: it is an optional peer of the adapter.' }] }],
    },
  })),
);
