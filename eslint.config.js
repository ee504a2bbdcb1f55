/**
 * Lint, part of `npm test`. Two concerns, nothing cosmetic:
 *  - promises: none left floating, none handed where a void callback is expected, no `await` on a
 *    non-promise (type-aware rules, through the TypeScript project in tsconfig.json);
 *  - where code runs: workflow code (bundled into Temporal's deterministic sandbox) imports no Node
 *    built-in and no code outside the workflow-safe modules (types are erased, so `import type`
 *    from anywhere is fine); the workflow-safe modules themselves reach nothing outside.
 *  - which way the arrows point: the interfaces (src/cli, src/api) → the client (src/temporal) →
 *    workflows/ → activities/ (and its adapters); every room may use the shared code below (src/plan,
 *    src/audit, src/config, src/runbook, …), none imports a room above it, not even its types.
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

/**
 * The rooms, top down. The interfaces are where people and programs come in (bin/ holds their
 * plain-JS launchers); the client starts runs and wires the workers. A room imports only what lies
 * below it. Imports are matched as written (`../../activities/…`, `../cli/…`, `../src/api/…`).
 */
const INTERFACES = ['src/cli/', 'src/api/'];
const CLIENT = 'src/temporal/';
/** The rooms above workflow code, and above the shared code of src/: not even their types. */
const ABOVE_WORKFLOWS = [...INTERFACES, CLIENT];
const ABOVE_SHARED = [...ABOVE_WORKFLOWS, 'workflows/', 'activities/'];
/** `src/cli/`, `activities/` → `(cli|activities)(/|$)`: rooms as the tail of an import path names them. */
const anyOf = (rooms) => `(${rooms.map((r) => escape(r.replace(/^src\//, '').replace(/\/$/, ''))).join('|')})(/|$)`;
/** An import reaching one of `rooms` from anywhere in the tree: `../cli/x`, `../../activities/x`, `../src/api/x`. */
const reaching = (rooms) => `^(\\.\\./)+(src/)?${anyOf(rooms)}`;
const upward = {
  interfaces: {
    regex: reaching(INTERFACES),
    message: `${INTERFACES.join(' and ')} are the interfaces, the top room: nothing below imports them; move what both sides need below (src/plan for contracts, src/runbook, src/audit, …).`,
  },
  client: {
    regex: reaching([CLIENT]),
    message: `${CLIENT} (the Temporal client and worker wiring) is imported only by the interfaces: take what is needed as a parameter.`,
  },
  workflows: {
    regex: reaching(['workflows/']),
    message: 'Only src/temporal (worker wiring) and the interfaces import workflows/: contracts belong in src/plan/.',
  },
  runtime: {
    regex: reaching(['workflows/', 'activities/']),
    message: `Only ${CLIENT} (worker wiring) and the interfaces import workflows/ and activities/: take what is needed as a parameter (e.g. the adapter registry), or move shared code to src/.`,
  },
};
/** `src/cli/` → `src/cli/**` */
const under = (folder) => `${folder}**`;

/** The shared code of src/ (every folder but the interfaces, the client and the workflow-safe one, which has its own rule). */
const sharedCode = {
  files: ['src/**/*.ts'],
  ignores: [...INTERFACES, CLIENT, ...WORKFLOW_SAFE].map(under),
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [upward.interfaces, upward.client, upward.runtime] }],
  },
};

/** The client and worker wiring: everything below, never the interfaces. */
const clientCode = {
  files: [`${CLIENT}**/*.ts`],
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [upward.interfaces] }],
  },
};

/** Activities and adapters: the shared code of src/, never the workflows, the client or the interfaces. */
const activityCode = {
  files: ['activities/**/*.ts'],
  rules: {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [upward.interfaces, upward.client, upward.workflows] }],
  },
};

/**
 * A rule set for code that runs in the workflow sandbox: no Node built-in, nothing from `refused`, and
 * other code only as `import type` (`typesOnly` matches it). No `require()`, which would slip past.
 * The types pattern must not match what `refused` refuses outright: a type import passes when any
 * pattern that allows types matches it.
 */
function sandboxRules(refused, typesOnly) {
  return {
    '@typescript-eslint/no-restricted-imports': ['error', { patterns: [nodeBuiltins, ...refused, { ...typesOnly, allowTypeImports: true }] }],
    '@typescript-eslint/no-require-imports': 'error',
  };
}

/** Workflow code: packages, its own folder and the workflow-safe modules; activities/ and the shared code of src/ only as `import type`. */
const workflowCode = {
  files: ['workflows/**/*.ts', 'bench/baseline/workflows.ts'],
  rules: sandboxRules([upward.interfaces, upward.client], {
    regex: `(^|/)(activities|src/(?!${[...safeUnderSrc, anyOf(ABOVE_WORKFLOWS)].join('|')})[^/]+)(/|$)`,
    message: `Workflow code may import only ${WORKFLOW_SAFE.join(', ')} (workflow-safe); other code only as \`import type\`.`,
  }),
};

/** The workflow-safe modules: what workflows run, so they reach nothing outside their own folder (types of the shared code excepted). */
const workflowSafeModules = {
  files: WORKFLOW_SAFE.map((m) => (m.endsWith('/') ? `${m}**/*.ts` : `${m}.ts`)),
  rules: sandboxRules([upward.interfaces, upward.client, upward.runtime], {
    regex: `^\\.\\./(?!(\\.\\./)*(src/)?${anyOf(ABOVE_SHARED)})`,
    message: 'Workflow-safe code is self-contained: import only files of its own folder (other code only as `import type`).',
  }),
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
  sharedCode,
  clientCode,
  activityCode,
  workflowCode,
  workflowSafeModules,
);
