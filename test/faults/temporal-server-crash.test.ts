/**
 * Fault: the Temporal server dies (SIGKILL, with its supervisor: nothing shuts it down) and is
 * restarted on the same SQLite file and port, three times during one run: while a step runs (down
 * longer than the step's heartbeat timeout), while a durable `wait` waits, while an approval waits for
 * a person. The worker, a process of its own, is never restarted: it must reconnect by itself. A
 * person approving through the API while the server is down is told Temporal cannot be reached (503,
 * recorded), not that the API failed. Afterwards the run has passed, every transition is in the trail
 * once, the approval once, and `drillbook audit verify` passes.
 *
 * A Temporal server of this file's own (its SQLite file in a temporary folder, port 27600), not the
 * jest run's shared one; the audit database is the jest run's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import { getProgress } from '../../src/plan/run-messages';
import { isRunning } from '../../src/processes/process-identity';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server';
import { notificationDispatcherId, programmeTaskQueue } from '../../src/temporal/programme-worker';
import { sendJson, startTestApi, type TestApi } from '../support/api';
import { cliEnv, runCli } from '../support/cli';
import { testDb, uniqueId } from '../support/db';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { stepState, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { startWorkerProcess } from '../support/worker-process';

/** Four server starts and a worker's bundling on 2 busy cores; the run itself takes ~60 s (a 15 s outage, ~20 s of an API client's retries). */
const TEST_TIMEOUT_MS = 180_000;
const TEMPORAL_PORT = 27600;
/** How long the server stays dead: a few seconds, and once longer than a step's heartbeat timeout (10 s). */
const DOWN_MS = 3_000;
const LONG_DOWN_MS = 15_000;

const runbook = `${runbookHeader('temporal-server-crash')}steps:
  - id: work
    title: a step that takes a while, its server killed halfway
    kind: action
    action: { adapter: noop, input: { sleepMs: 8000 } }
  - id: hold
    title: a durable wait, its server killed halfway
    kind: wait
    needs: [work]
    duration: 8s
  - id: gate
    title: a person approves, the server killed while the run waits
    kind: approval
    role: approver
    needs: [hold]
  - id: after
    title: after
    kind: action
    needs: [gate]
    action: { adapter: noop, input: {} }
`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-fault-temporal-'));
const dbFile = path.join(dir, 'temporal.db');
const logFile = path.join(dir, 'temporal.log');
let server: DevServer | undefined;
let db: Kysely<Database>;
let connection: Connection;
let client: Client;
let api: TestApi | undefined;

function startServer(): Promise<DevServer> {
  return startDevServer({ dbFile, port: TEMPORAL_PORT, logFile, readyTimeoutMs: 90_000 });
}

/** SIGKILLs the server and its supervisor (its process group) at once, and waits until both are gone. */
async function killServer(): Promise<void> {
  const { server: program, supervisor } = server!;
  process.kill(-supervisor.pid, 'SIGKILL');
  await waitFor(async () => !isRunning(program) && !isRunning(supervisor), 10_000);
}

/** Kills the server, leaves it dead for `downMs`, starts it again on the same file and port. */
async function crashAndRestart(downMs = DOWN_MS): Promise<void> {
  await killServer();
  await new Promise((r) => setTimeout(r, downMs));
  server = await startServer();
}

beforeAll(async () => {
  db = await testDb();
  server = await startServer();
  connection = await Connection.connect({ address: server.address });
  client = new Client({ connection });
}, 120_000);

afterAll(async () => {
  await api?.close();
  await connection?.close();
  await server?.stop();
  await db?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test('the Temporal server SIGKILLed during a step, a durable wait and an approval: the run completes, each transition recorded once', async () => {
  const taskQueue = uniqueQueue('fault-temporal');
  const worker = startWorkerProcess(taskQueue, { TEMPORAL_ADDRESS: server!.address });
  // The worker process is up, both its queues, once its notification dispatcher exists: the server is
  // killed only then (a worker still starting when the server dies is another fault, not this test's).
  const dispatcher = client.workflow.getHandle(notificationDispatcherId(programmeTaskQueue(taskQueue)));
  await waitFor(async () => Boolean(await dispatcher.describe()), 90_000);
  api = await startTestApi(db, client, taskQueue);
  const bob = uniqueId('bob').slice(0, 16);
  const token = await api.tokenFor(bob, ['approver']);
  const handle = await startRunbook({ client, taskQueue }, runbook, { reason: 'fault: Temporal server killed' });
  // Through the operators' API, as a person approves.
  const approve = () => sendJson(api!.url, 'POST', `/api/runs/${handle.workflowId}/steps/gate/approve`, token, {}).then(({ status, body }) => ({ status, body }));
  const waitsForApproval = async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'gate';

  // 1. During a step: the activity sleeps (heartbeating) on the worker while the server is gone, past
  // its heartbeat timeout; it ends meanwhile and reports its result once the server is back.
  await waitFor(async () => (await stepState(handle, 'work')) === 'running', 90_000);
  await crashAndRestart(LONG_DOWN_MS);

  // 2. During a durable wait: the timer lives in the server's SQLite file.
  await waitFor(async () => (await stepState(handle, 'hold')) === 'running', 90_000);
  await crashAndRestart();

  // 3. While the run waits for a person: the approval is asked for once, granted after the restart.
  await waitFor(waitsForApproval, 60_000);
  await killServer();
  // Meanwhile a person's approval is refused as Temporal's absence, not as an internal error, and recorded.
  const whileDown = await approve();
  expect(whileDown).toMatchObject({ status: 503, body: { error: 'temporal_unavailable', message: expect.stringMatching(/Temporal cannot be reached right now/) } });
  server = await startServer();
  await waitFor(waitsForApproval, 60_000);
  expect(await approve()).toMatchObject({ status: 200 });

  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.verdict).toBe('pass');
  expect(worker.exitCode).toBeNull(); // the same worker all along: it reconnected by itself

  const story = (await getRunStory(db, handle.workflowId))!;
  const count = (type: string, stepId?: string) => story.events.filter((e) => e.type === type && (e.stepId ?? undefined) === stepId).length;
  // An approval's start is its request.
  const started = (id: string) => count('step.started', id) + count('approval.requested', id);
  for (const id of ['work', 'hold', 'gate', 'after']) {
    expect({ id, started: started(id), completed: count('step.completed', id) }).toEqual({ id, started: 1, completed: 1 });
  }
  // The step's completion is usually reported before the restarted server times its attempt out;
  // when the timeout wins, Temporal runs it again, recorded once as a retry (its events keep their keys).
  expect(count('step.retried', 'work')).toBeLessThanOrEqual(1);
  expect(story.events.filter((e) => e.type === 'step.retried' && e.stepId !== 'work')).toEqual([]);
  expect(story.events.filter((e) => e.type === 'approval.granted').map((e) => e.actor)).toEqual([bob]);
  expect(count('run.completed')).toBe(1);
  const refused = story.events.filter((e) => e.type === 'action.refused');
  expect(refused.map((e) => e.data)).toEqual([expect.objectContaining({ action: 'approve', status: 503, code: 'temporal_unavailable', requestId: whileDown.body.requestId })]);
  expect(new Set(story.events.map((e) => e.key)).size).toBe(story.events.length);

  const verify = await runCli(['audit', 'verify', '--run', handle.workflowId], { env: cliEnv(db, { TEMPORAL_ADDRESS: server!.address }) });
  expect(verify).toMatchObject({ code: 0 });
}, TEST_TIMEOUT_MS);

