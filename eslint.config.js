/**
 * Lint, part of `npm test`. Two concerns, nothing cosmetic:
 *  - promises: none left floating, none handed where a void callback is expected, no `await` on a
 *    non-promise (type-aware rules, through the TypeScript project in tsconfig.json);
 *  - where code runs: workflow code (bundled into Temporal's deterministic sandbox) imports no Node
 *    built-in and no code outside the workflow-safe modules (types are erased, so `import type`
 *    from anywhere is fine); the workflow-safe modules themselves reach nothing outside.
 * test/unit/lint-rules.test.ts proves these rules fire.
 */
'use strict';
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');

/** What workflow code may import besides its own folder and packages: src/plan/, the workflow-safe code and contracts. */
const WORKFLOW_SAFE = ['src/plan/'];

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** `src/plan/` → `plan(/|$)`, `src/schedules/types` → `schedules/types$`: the part after `src/`. */
const safeUnderSrc = WORKFLOW_SAFE.map((m) => m.slice('src/'.length)).map((m) => (m.endsWith('/') ? `${escape(m.slice(0, -1))}(/|$)` : `${escape(m)}$`));

/** Every Node built-in, bare and `node:`-prefixed (`fs`, `fs/promises`, `node:test`, …). */
const nodeBuiltins = {
  group: ['node:*', ...new Set(builtinModules.flatMap((name) => [name, `${name}/*`]))],
  message: 'Node built-ins do not exist in the workflow sandbox: do this in an activity.',
};

/** Workflow code: packages, its own folder and the workflow-safe modules; anything else only as `import type`. */
const workflowCode = {
  files: ['workflows/**/*.ts', 'bench/baseline/workflows.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          nodeBuiltins,
          {
            regex: `(^|/)(activities|src/(?!${safeUnderSrc.join('|')})[^/]+)(/|$)`,
            allowTypeImports: true,
            message: `Workflow code may import only ${WORKFLOW_SAFE.join(', ')} (workflow-safe); other code only as \`import type\`.`,
          },
        ],
      },
    ],
    // `require()` would slip past the import rule above.
    '@typescript-eslint/no-require-imports': 'error',
  },
};

/** The workflow-safe modules: what workflows run, so they reach nothing outside their own folder (types excepted). */
const workflowSafeModules = {
  files: WORKFLOW_SAFE.map((m) => (m.endsWith('/') ? `${m}**/*.ts` : `${m}.ts`)),
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          nodeBuiltins,
          {
            regex: '^\\.\\./',
            allowTypeImports: true,
            message: 'Workflow-safe code is self-contained: import only files of its own folder (other code only as `import type`).',
          },
        ],
      },
    ],
    '@typescript-eslint/no-require-imports': 'error',
  },
};

module.exports = tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.tools/', '.data/', 'coverage/', 'tmp/'] },
  // The few plain .js files (bin/ launchers, require hooks, jest's config): CommonJS, checked for syntax only.
  { files: ['**/*.js'], languageOptions: { sourceType: 'commonjs' } },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: __dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  workflowCode,
  workflowSafeModules,
);
