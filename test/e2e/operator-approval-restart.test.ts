/**
 * The operator's path end to end, through the built CLI: an admin's `drillbook users` (through the API)
 * issues tokens, `drillbook serve` is the API, a worker process runs the run. The worker is killed (SIGKILL) while the run waits
 * for an approval; after a restart `drillbook approve` is accepted and the run continues. `watch`
 * shows who must act and the exact command; refused CLI acts exit non-zero with the API's message.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import { issueToken, upsertUser } from '../../src/auth/users';
import { EXIT } from '../../src/cli/exit-codes';
import { getProgress } from '../../src/plan/run-messages';
import { testDb, testDbUrl, uniqueId } from '../support/db';
import { temporalAddress, testClient, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'drillbook.js');
const taskQueue = uniqueQueue('op-e2e');
let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
const children: ChildProcess[] = [];
let env: NodeJS.ProcessEnv;
let apiUrl: string;
let adminToken: string;
const suffix = uniqueId('x').slice(2, 10);
const name = (n: string) => `${n}-${suffix}`;

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: `npm test` builds it (scripts/setup.sh); run `npm run build` first');
  }
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
  env = { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), DATABASE_URL: testDbUrl(db), DRILLBOOK_TASK_QUEUE: taskQueue };
  const server = spawn(process.execPath, [cli, 'serve'], { env: { ...env, DRILLBOOK_API_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(server);
  server.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[serve] ${chunk}`));
  apiUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    server.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
  // The shared test database may hold admins already: this file's own admin is made as the host would.
  await upsertUser(db, { name: name('adele'), roles: ['admin'] });
  adminToken = (await issueToken(db, name('adele'), { label: 'test' })).token;
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await closeClient?.();
  await db?.destroy();
});

function drillbook(args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const result = spawnSync(process.execPath, [cli, ...args], { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function startWorker(): ChildProcess {
  const child = spawn(process.execPath, [cli, 'worker'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk}`));
  children.push(child);
  return child;
}

function tokenFor(user: string, roles: string[]): string {
  const asAdmin = { DRILLBOOK_API_URL: apiUrl, DRILLBOOK_TOKEN: adminToken };
  const added = drillbook(['users', 'add', user, ...roles.flatMap((r) => ['--role', r])], asAdmin);
  expect(added.code).toBe(EXIT.ok);
  const issued = drillbook(['users', 'token', user], asAdmin);
  expect(issued.code).toBe(EXIT.ok);
  return issued.stdout.trim();
}

test('worker killed while an approval waits; after restart the approval is accepted and the run continues', async () => {
  const alice = tokenFor(name('alice'), ['operator', 'approver']);
  const bob = tokenFor(name('bob'), ['approver']);
  const as = (token: string) => ({ DRILLBOOK_API_URL: apiUrl, DRILLBOOK_TOKEN: token });

  const worker = startWorker();
  const started = await fetch(`${apiUrl}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      runbook: `
apiVersion: drillbook/v1
name: op-e2e
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 30m }
modes: [drill]
steps:
  - id: prepare
    title: prepare
    kind: action
    action: { adapter: noop, input: {} }
  - id: go-no-go
    title: Go / no-go for the switch
    kind: approval
    needs: [prepare]
    role: approver
    instructions: Look at the DR dashboard before approving.
  - id: switch
    title: switch
    kind: action
    needs: [go-no-go]
    action: { adapter: noop, input: { output: { switched: true } } }
`,
      mode: 'drill',
      reason: 'e2e',
    }),
  });
  expect(started.status).toBe(201);
  const runId = ((await started.json()) as { runId: string }).runId;
  const handle = client.workflow.getHandle(runId);
  await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'go-no-go', 60_000);

  const view = drillbook(['watch', runId, '--once'], as(bob));
  expect(view.code).toBe(EXIT.running); // not ended yet: neither a pass (0) nor a failure (3)
  expect(view.stdout).toContain(`approval "go-no-go"`);
  expect(view.stdout).toContain(`not ${name('alice')}`);
  expect(view.stdout).toContain(`drillbook approve ${runId} go-no-go`);
  expect(view.stdout).toMatch(/RTO budget 30m00s/);

  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));
  startWorker();

  const self = drillbook(['approve', runId, 'go-no-go'], as(alice));
  expect(self.code).toBe(EXIT.forbidden);
  expect(self.stderr).toMatch(/can never approve it/);
  const badToken = drillbook(['approve', runId, 'go-no-go'], as('drb_wrong'));
  expect(badToken.code).toBe(EXIT.forbidden);
  expect(badToken.stderr).toMatch(/invalid token \(HTTP 401/);

  const approved = drillbook(['approve', runId, 'go-no-go', '--comment', 'dashboard green'], as(bob));
  expect(approved.stderr).toBe('');
  expect(approved.code).toBe(EXIT.ok);
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps.switch.output).toEqual({ switched: true });

  const story = await getRunStory(db, runId);
  expect(story.events.filter((e) => e.type === 'approval.granted').map((e) => e.actor)).toEqual([name('bob')]);
  expect(story.events.filter((e) => e.type === 'action.refused').map((e) => e.actor)).toEqual([name('alice')]);
  expect(story.events.filter((e) => e.type === 'step.completed' && e.stepId === 'prepare')).toHaveLength(1);

  const late = drillbook(['abort', runId, '--reason', 'too late'], as(alice));
  expect(late.code).toBe(EXIT.conflict);
  expect(late.stderr).toMatch(/has ended/);
});

