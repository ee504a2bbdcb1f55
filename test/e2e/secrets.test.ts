/**
 * Secrets never reach a record, and no child of the worker reads them (issue 14, reproducers 1-3).
 * A real `drillbook worker` process (started, as a service manager would, by a launcher whose own
 * environment holds nothing), a real database of its own, real HTTP servers and processes:
 * - an http step whose secret header is multi-line (undici refuses it, quoting the value), and steps
 *   whose server echoes an env: and a file: secret: the secrets appear nowhere — every table of the
 *   database, the run's Temporal history (decoded), the worker's output;
 * - an exec step reading /proc/$PPID/environ and its grandparent's finds no secret and no DATABASE_URL;
 * - env:HOME and file:/etc/shadow, in a plan that was not validated on this worker, are refused at run time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import { startSignedRun } from '../support/signing';
import { destroyTestDb, isolatedTestDb, testDbUrl } from '../support/db';
import { temporalAddress, testClient, uniqueQueue } from '../support/temporal';
import { answerJson, startScriptedApi, type ScriptedApi } from '../support/scripted-api';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'drillbook.js');
const MULTI = 'Bearer e2e-multi-first-4711\ne2e-multi-second-0815';
const TOKEN = 'e2e-env-token/+&"9931"';
const FILE_TOKEN = 'e2e-file-token-2718';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let api: ScriptedApi;
let launcher: ChildProcess;
let workerOutput = '';
let taskQueue: string;
let secretsDir: string;

/** Every form of each secret that must not appear. */
function forbidden(): string[] {
  return [MULTI, TOKEN, FILE_TOKEN].flatMap((s) => [
    s,
    Buffer.from(s).toString('base64'),
    encodeURIComponent(s),
    JSON.stringify(s).slice(1, -1),
    ...s.split('\n').filter((line) => line.length >= 8),
  ]);
}

function expectNoSecret(text: string, where: string): void {
  for (const form of forbidden()) {
    if (text.includes(form)) throw new Error(`${where} holds a secret (${JSON.stringify(form)})`);
  }
}

/** The launcher: a clean environment of its own, the worker's given on stdin (as systemd passes Environment=). */
const LAUNCHER = `
let input = '';
process.stdin.on('data', (c) => (input += c)).on('end', () => {
  const { cli, env } = JSON.parse(input);
  const child = require('node:child_process').spawn(process.execPath, [cli, 'worker'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => child.kill(s));
  child.on('exit', (code) => process.exit(code ?? 1));
});`;

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: `npm test` builds it (scripts/setup.sh); run `npm run build` first');
  }
  db = await isolatedTestDb();
  ({ client, close: closeClient } = await testClient());
  api = await startScriptedApi((p, res) => answerJson(res, { path: p }));
  // The echo server: what a misbehaving infrastructure API does with a credential.
  const { createServer } = await import('node:http');
  const echo = createServer((req, res) => {
    const value = String(req.headers['x-token'] ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ raw: value, b64: Buffer.from(value).toString('base64'), url: encodeURIComponent(value) }));
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  echo.unref();
  const port = (echo.address() as { port: number }).port;
  process.env.SECRETS_E2E_ECHO = `http://127.0.0.1:${port}`;

  secretsDir = path.join(mkdtempSync(path.join(tmpdir(), 'drillbook-e2e-secrets-')), 'secrets');
  mkdirSync(secretsDir);
  writeFileSync(path.join(secretsDir, 'token'), `${FILE_TOKEN}\n`);
  taskQueue = uniqueQueue('secrets');
  const workerEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: temporalAddress(),
    DATABASE_URL: testDbUrl(db),
    DRILLBOOK_TASK_QUEUE: taskQueue,
    DRILLBOOK_LOG_LEVEL: 'WARN',
    DRILLBOOK_SECRETS_DIRS: secretsDir,
    DRILLBOOK_CONNECTIONS: JSON.stringify({ primary: 'postgres://postgres@127.0.0.1:5432/postgres' }),
    DRILLBOOK_SECRET_E2E_MULTI: MULTI,
    DRILLBOOK_SECRET_E2E_TOKEN: TOKEN,
    // The front door's public key of this test run (test/support/global-setup.ts): runs are signed.
    DRILLBOOK_TRUSTED_KEYS: process.env.DRILLBOOK_TRUSTED_KEYS,
  };
  launcher = spawn(process.execPath, ['-e', LAUNCHER], { env: { PATH: process.env.PATH }, stdio: ['pipe', 'pipe', 'pipe'] });
  launcher.stdout!.on('data', (c: Buffer) => (workerOutput += c.toString()));
  launcher.stderr!.on('data', (c: Buffer) => (workerOutput += c.toString()));
  launcher.stdin!.end(JSON.stringify({ cli, env: workerEnv }));
  const deadline = Date.now() + 60_000;
  while (!workerOutput.includes('worker polling')) {
    if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`the worker did not start: ${workerOutput}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 90_000);

afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    launcher.kill('SIGTERM');
    await new Promise((r) => launcher.once('exit', r));
  }
  api?.close();
  await closeClient?.();
  if (db) await destroyTestDb(db);
}, 60_000);

/**
 * Starts a run of `yaml` on the worker's queue. The plan is compiled without this process's secret
 * scope: it stands for a plan the worker did not validate, so the worker's own checks are what is tested.
 */
async function startTestRun(yaml: string) {
  const { plan, planHash, diagnostics } = loadRunbookText(yaml, 'secrets.yaml', { registry: adapterRegistry, secretScope: false });
  if (!plan || !planHash) throw new Error(`runbook invalid: ${JSON.stringify(diagnostics)}`);
  return startSignedRun(client, { plan, planHash, mode: 'drill', params: { echo: process.env.SECRETS_E2E_ECHO! }, initiator: 'alice', reason: 'secrets test', taskQueue });
}

const RUNBOOK = `
apiVersion: drillbook/v1
name: secrets-e2e
version: "1"
owners: [sre]
services: [payments]
params:
  echo: { type: string }
steps:
  - id: multi-line
    title: a header the HTTP client refuses, quoting it
    kind: action
    onFailure: continue
    retry: { attempts: 2, interval: 100ms }
    action: { adapter: http, input: { url: "\${{ params.echo }}/x", headersFromSecrets: { X-Token: env:DRILLBOOK_SECRET_E2E_MULTI } } }
  - id: echo-env
    title: a server echoing an env secret
    kind: action
    evidence: '*'
    action: { adapter: http, input: { url: "\${{ params.echo }}/x", headersFromSecrets: { X-Token: env:DRILLBOOK_SECRET_E2E_TOKEN } } }
  - id: echo-file
    title: a server echoing a file secret
    kind: action
    evidence: '*'
    action: { adapter: http, input: { url: "\${{ params.echo }}/x", headersFromSecrets: { X-Token: "file:SECRETS_DIR/token" } } }
  - id: environ
    title: a child reading its parent's and grandparent's environment
    kind: action
    evidence: '*'
    action:
      adapter: exec
      input:
        argv: ["/bin/sh", "-c", "tr '\\\\0' '\\\\n' </proc/$PPID/environ; echo ---grandparent---; gp=$(awk '{print $4}' /proc/$PPID/stat); tr '\\\\0' '\\\\n' </proc/$gp/environ"]
        envFromSecrets: { MY_TOKEN: env:DRILLBOOK_SECRET_E2E_TOKEN }
  - id: home
    title: env:HOME is outside the scope
    kind: action
    onFailure: continue
    retry: { attempts: 1 }
    action: { adapter: http, input: { url: "\${{ params.echo }}/x", headersFromSecrets: { X-Token: env:HOME } } }
  - id: shadow
    title: file:/etc/shadow is outside the scope
    kind: action
    onFailure: continue
    retry: { attempts: 1 }
    action: { adapter: exec, input: { argv: ["true"], envFromSecrets: { X: "file:/etc/shadow" } } }
`;

test('a secret appears nowhere, no child reads the worker environment, and out-of-scope references fail at run time', async () => {
  const handle = await startTestRun(RUNBOOK.replace('SECRETS_DIR', secretsDir));
  const result = await handle.result();
  expect(result.state).toBe('completed');

  // The environment of the exec step's parent (the worker) and grandparent (its launcher).
  const environ = String((result.steps.environ.output as { stdout: string }).stdout);
  expect(environ).toContain('PATH=');
  expect(environ).toContain('---grandparent---');
  for (const name of ['DATABASE_URL', 'DRILLBOOK_SECRET_E2E', 'DRILLBOOK_CONNECTIONS']) expect(environ).not.toContain(name);
  expectNoSecret(environ, 'the environ of the worker');

  // What each step recorded.
  const failures = await db
    .selectFrom('audit_events')
    .select(['step_id', 'data'])
    .where('run_id', '=', handle.workflowId)
    .where('type', '=', 'step.attempt_failed')
    .execute();
  const errorOf = (id: string) => failures.filter((f) => f.step_id === id).map((f) => String((f.data as { error: string }).error));
  expect(errorOf('multi-line')[0]).toContain('[redacted:env:DRILLBOOK_SECRET_E2E_MULTI]');
  expect(errorOf('home')).toEqual([expect.stringContaining("secret env:HOME is outside this worker's scope")]);
  expect(errorOf('shadow')).toEqual([expect.stringContaining("secret file:/etc/shadow is outside this worker's scope")]);
  expect(JSON.stringify(result.steps['echo-env'].output)).toContain('[redacted:env:DRILLBOOK_SECRET_E2E_TOKEN]');
  expect(JSON.stringify(result.steps['echo-file'].output)).toContain(`[redacted:file:${secretsDir}/token]`);

  // Every table of the database.
  const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`.execute(db);
  expect(tables.rows.length).toBeGreaterThan(3);
  for (const { table_name } of tables.rows) {
    const rows = await sql<{ row: string }>`SELECT row_to_json(t)::text AS row FROM ${sql.table(table_name)} t`.execute(db);
    expectNoSecret(rows.rows.map((r) => r.row).join('\n'), `table ${table_name}`);
  }

  // The run's Temporal history, payloads decoded.
  const history = await handle.fetchHistory();
  const decoded = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
  expect(decoded).toContain('[redacted:env:DRILLBOOK_SECRET_E2E_MULTI]');
  expectNoSecret(decoded, 'the Temporal history');

  // The worker's own output (it logs failed attempts at WARN).
  expectNoSecret(workerOutput, "the worker's output");
}, 120_000);
