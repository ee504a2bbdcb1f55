/**
 * The lint that `npm test` runs (eslint.config.js) must catch what it is there for: a Node built-in
 * or non-workflow-safe code imported into workflow code, an import pointing up the rooms (shared code
 * reaching activities/ or the CLI, activities reaching workflows/), and a promise left floating. Each
 * snippet is linted with the project's own config as if it were a file at the given path.
 */
import path from 'node:path';
import { ESLint, type Linter } from 'eslint';

const root = path.join(__dirname, '..', '..');
// The project's config, handed over rather than looked up: ESLint loads config files with a dynamic
// import(), which jest's module sandbox refuses. One instance: the TypeScript program is built once.
const config = require(path.join(root, 'eslint.config.js')) as Linter.Config[];
// The probes exist only in memory: TypeScript's project service types them in its default project.
const probes = [
  'workflows/lint-probe.ts',
  'workflows/run-drill/lint-probe.ts',
  'src/plan/lint-probe.ts',
  'src/lint-probe.ts',
  'src/audit/lint-probe.ts',
  'src/import/rundeck/lint-probe.ts',
  'src/temporal/lint-probe.ts',
  'src/cli/lint-probe.ts',
  'activities/lint-probe.ts',
  'activities/adapters/lint-probe.ts',
];
const inMemoryProbes: Linter.Config = {
  files: probes,
  languageOptions: {
    parserOptions: {
      // The limit (8) guards against slow globs over real files; these few files exist only in memory.
      projectService: { allowDefaultProject: probes, defaultProject: 'tsconfig.json', maximumDefaultProjectFileMatchCount_THIS_WILL_SLOW_DOWN_LINTING: probes.length },
      tsconfigRootDir: root,
    },
  },
};
const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [...config, inMemoryProbes] });

/** The rule ids of the errors ESLint reports for `code` placed at `file`. */
async function errors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  const fatal = result.messages.filter((m) => m.fatal);
  if (fatal.length > 0) throw new Error(`could not lint ${file}: ${fatal.map((m) => m.message).join('; ')}`);
  return result.messages.filter((m) => m.severity === 2).map((m) => String(m.ruleId));
}

const restricted = '@typescript-eslint/no-restricted-imports';

describe('workflow code', () => {
  test.each([
    ['node:fs', 'readFileSync'],
    ['child_process', 'execFile'],
    ['fs/promises', 'readFile'],
  ])('refuses a Node built-in (%s)', async (module, name) => {
    expect(await errors('workflows/lint-probe.ts', `import { ${name} } from '${module}';\nexport const f = ${name};\n`)).toContain(restricted);
  });

  test('refuses code from activities/ and from src/ outside the workflow-safe folder, at any depth', async () => {
    expect(await errors('workflows/lint-probe.ts', "import { Redactor } from '../activities/redaction';\nexport const f = Redactor;\n")).toContain(restricted);
    expect(await errors('workflows/lint-probe.ts', "import { verifyAuditChain } from '../src/audit/verify-chain';\nexport const f = verifyAuditChain;\n")).toContain(restricted);
    expect(await errors('workflows/run-drill/lint-probe.ts', "import { loadRunbookText } from '../../src/runbook/load';\nexport const f = loadRunbookText;\n")).toContain(restricted);
  });

  test('refuses require(), which would slip past the import rule', async () => {
    expect(await errors('workflows/lint-probe.ts', "export const fs = require('node:fs');\n")).toContain('@typescript-eslint/no-require-imports');
  });

  test('accepts the workflow SDK, src/plan/ and type-only imports from the rooms below', async () => {
    const code = [
      "import { sleep } from '@temporalio/workflow';",
      "import type { StepActivities } from '../activities/step-activities';",
      "import { FAILURES } from '../src/plan/failures';",
      'export type A = StepActivities;',
      'export async function f(): Promise<string> {',
      "  await sleep('1s');",
      '  return FAILURES.StepFailed;',
      '}',
      '',
    ].join('\n');
    expect(await errors('workflows/lint-probe.ts', code)).toEqual([]);
  });
});

test('the workflow-safe folder src/plan/ imports nothing outside itself and no Node built-in', async () => {
  expect(await errors('src/plan/lint-probe.ts', "import { createHash } from 'node:crypto';\nexport const h = createHash;\n")).toContain(restricted);
  expect(await errors('src/plan/lint-probe.ts', "import { loadRunbookText } from '../runbook/load';\nexport const l = loadRunbookText;\n")).toContain(restricted);
  expect(await errors('src/plan/lint-probe.ts', "import type { Plan } from './types';\nimport type { DrillScheduleDefinition } from '../schedules/spec';\nexport type P = [Plan, DrillScheduleDefinition];\n")).toEqual([]);
});

describe('rooms import only downward: interfaces → src/temporal → workflows/ → activities/, all over the shared code', () => {
  test.each([
    ['shared code → activities/', 'src/audit/lint-probe.ts', "import { adapterRegistry } from '../../activities/adapters/index';"],
    ['shared code → activities/, a type', 'src/audit/lint-probe.ts', "import type { StepActivities } from '../../activities/step-activities';"],
    ['shared code → workflows/, a type', 'src/audit/lint-probe.ts', "import type { runDrill } from '../../workflows/run-drill/run-drill';"],
    ['shared code, deeper → activities/', 'src/import/rundeck/lint-probe.ts', "import { execAdapter } from '../../../activities/adapters/exec';"],
    ['shared code → an interface', 'src/audit/lint-probe.ts', "import { ApiClient } from '../cli/api-client';"],
    ['shared code, deeper → an interface, a type', 'src/import/rundeck/lint-probe.ts', "import type { ApiError } from '../../api/errors';"],
    ['shared code → the client', 'src/audit/lint-probe.ts', "import { startRun } from '../temporal/start-run';"],
    ['src/plan → an interface, a type', 'src/plan/lint-probe.ts', "import type { CliContext } from '../cli/context';"],
    ['the client → an interface', 'src/temporal/lint-probe.ts', "import { buildApp } from '../api/app';"],
    ['activities/ → workflows/, a type', 'activities/lint-probe.ts', "import type { runDrill } from '../workflows/run-drill/run-drill';"],
    ['activities/ → the client', 'activities/lint-probe.ts', "import { startRun } from '../src/temporal/start-run';"],
    ['activities/, deeper → an interface', 'activities/adapters/lint-probe.ts', "import { printJson } from '../../src/cli/output';"],
    ['activities/ → an interface', 'activities/lint-probe.ts', "import { ApiError } from '../src/api/errors';"],
    ['workflow code → the client, a type', 'workflows/lint-probe.ts', "import type { RunAlreadyActiveError } from '../src/temporal/start-run';"],
    ['workflow code, deeper → an interface, a type', 'workflows/run-drill/lint-probe.ts', "import type { CliContext } from '../../src/cli/context';"],
  ])('refuses an import up the rooms: %s', async (_what, file, statement) => {
    expect(await errors(file, `${statement}\n`)).toContain(restricted);
  });

  test.each([
    ['shared code → shared code', 'src/audit/lint-probe.ts', ["import { canonicalJson } from '../plan/canonical';", "import { loadRunbookText } from '../runbook/load';"]],
    ['the client → activities/ and workflows/', 'src/temporal/lint-probe.ts', ["import { createStepActivities } from '../../activities/step-activities';", "import type { runDrill } from '../../workflows/run-drill/run-drill';"]],
    ['activities/ → shared code', 'activities/lint-probe.ts', ["import { FAILURES } from '../src/plan/failures';", "import type { Database } from '../src/audit/database';"]],
    [
      'an interface → every room below',
      'src/cli/lint-probe.ts',
      [
        "import { adapterRegistry } from '../../activities/adapters/index';",
        "import type { runDrill } from '../../workflows/run-drill/run-drill';",
        "import { startRun } from '../temporal/start-run';",
        "import { ApiError } from '../api/errors';",
      ],
    ],
  ])('accepts an import down the rooms: %s', async (_what, file, statements) => {
    expect(await errors(file, `${statements.join('\n')}\n`)).toEqual([]);
  });
});

describe('promises', () => {
  const send = 'async function send(): Promise<void> {}\n';

  test('a floating promise fails, an awaited one passes', async () => {
    expect(await errors('src/lint-probe.ts', `${send}export function f(): void {\n  send();\n}\n`)).toContain('@typescript-eslint/no-floating-promises');
    expect(await errors('src/lint-probe.ts', `${send}export async function f(): Promise<void> {\n  await send();\n}\n`)).toEqual([]);
  });

  test('an async callback where a void one is expected fails', async () => {
    expect(await errors('src/lint-probe.ts', `${send}export function f(): void {\n  [1, 2].forEach(async () => send());\n}\n`)).toContain('@typescript-eslint/no-misused-promises');
  });

  test('awaiting a non-promise fails', async () => {
    expect(await errors('src/lint-probe.ts', 'export async function f(): Promise<number> {\n  return await 42;\n}\n')).toContain('@typescript-eslint/await-thenable');
  });
});
