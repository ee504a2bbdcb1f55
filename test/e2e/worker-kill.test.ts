/**
 * Durability: the worker process is killed (SIGKILL) while a step runs; a new worker picks the run up
 * and it completes, with every step transition in the audit trail exactly once.
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import { testDb } from '../support/db';
import { testClient, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { startSignedRun } from '../support/signing';
import { killWorkerProcess, startWorkerProcess } from '../support/worker-process';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
});

afterAll(async () => {
  await closeClient?.();
  await db?.destroy();
});

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
  await killWorkerProcess(first);

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
