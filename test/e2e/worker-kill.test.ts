/**
 * Durability: the worker process is killed (SIGKILL) while a step runs; a new worker picks the run up
 * and it completes, with every step transition in the audit trail exactly once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import { testDb } from '../support/db';
import { temporalAddress, testClient, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { startSignedRun } from '../support/signing';

const root = path.join(__dirname, '..', '..');
const cli = path.join(root, 'bin', 'drillbook.js');
let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!existsSync(path.join(root, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: `npm test` builds it (scripts/setup.sh); run `npm run build` first');
  }
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await closeClient?.();
  await db?.destroy();
});

function startWorkerProcess(taskQueue: string): ChildProcess {
  const child = spawn(process.execPath, [cli, 'worker'], {
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), DRILLBOOK_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Say why, if the worker dies of something other than the test's SIGKILL.
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk}`));
  children.push(child);
  return child;
}


test('a run survives SIGKILL of its worker mid-step and records each transition once', async () => {
  const taskQueue = uniqueQueue('kill');
  const { plan, planHash } = loadRunbookText(
    `
apiVersion: drillbook/v1
name: kill-test
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 5m, rpo: 0s }
modes: [drill]
steps:
  - id: before
    title: before
    kind: action
    action: { adapter: noop, input: {} }
  - id: slow
    title: a long step, killed halfway
    kind: action
    needs: [before]
    action: { adapter: noop, input: { sleepMs: 3000, output: { done: true } } }
  - id: after
    title: after
    kind: action
    needs: [slow]
    action: { adapter: noop, input: {} }
`,
    'kill-test.yaml',
    { registry: adapterRegistry },
  );
  if (!plan || !planHash) throw new Error('fixture runbook invalid');

  const first = startWorkerProcess(taskQueue);
  const handle = await startSignedRun(client, { plan, planHash, mode: 'drill', params: {}, initiator: 'alice', reason: 'kill test', taskQueue });
  await waitFor(async () => {
    const story = await getRunStory(db, handle.workflowId);
    return !!story?.events.some((e) => e.type === 'step.started' && e.stepId === 'slow');
  }, 60_000);
  first.kill('SIGKILL');
  await new Promise((r) => first.once('exit', r));

  startWorkerProcess(taskQueue);
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps.slow.output).toEqual({ done: true });

  const story = (await getRunStory(db, handle.workflowId))!;
  const count = (type: string, stepId?: string) => story.events.filter((e) => e.type === type && (e.stepId ?? undefined) === stepId).length;
  for (const id of ['before', 'slow', 'after']) {
    expect(count('step.started', id)).toBe(1);
    expect(count('step.completed', id)).toBe(1);
  }
  // The killed attempt left no completion; the second attempt says it is a retry.
  expect(count('step.retried', 'slow')).toBe(1);
  expect(count('run.started')).toBe(1);
  expect(count('run.completed')).toBe(1);
  expect(new Set(story.events.map((e) => e.key)).size).toBe(story.events.length);
  expect((await verifyAuditChain(db, { chainId: handle.workflowId })).ok).toBe(true);
});
