/**
 * Temporal for tests: a client on the dev server that global-setup started, and drillbook's real
 * worker wiring on a task queue of the test's own.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { getProgress, type StepState } from '../../src/plan/run-messages';
import { startWorkers, type RunningWorkers } from '../../src/temporal/worker';
import { destroyTestDb, isolatedTestDb, testDb } from './db';
import { startScriptedApi, type ScriptedApi } from './scripted-api';

export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the tests through jest (global-setup starts Temporal)');
  return address;
}

export async function testClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress() });
  return { client: new Client({ connection }), close: () => connection.close() };
}

export function uniqueQueue(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function testWorkers(
  db: Kysely<Database>,
  taskQueue: string,
  opts: { sites?: string[]; connections?: Record<string, string> } = {},
): Promise<RunningWorkers> {
  return startWorkers({
    address: temporalAddress(),
    namespace: 'default',
    taskQueue,
    sites: opts.sites ?? [],
    db,
    connections: opts.connections ?? {},
  });
}

/** What a workflow test runs against: the test database, a client, and the real workers on a queue of its own. */
export interface WorkflowHarness {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

/** With `isolated`, on a database of its own (`isolatedTestDb`), dropped on close. */
export async function startWorkflowHarness(queuePrefix: string, { isolated = false } = {}): Promise<WorkflowHarness> {
  const db = isolated ? await isolatedTestDb() : await testDb();
  const { client, close: closeClient } = await testClient();
  const taskQueue = uniqueQueue(queuePrefix);
  const workers = await testWorkers(db, taskQueue);
  return {
    db,
    client,
    taskQueue,
    async close() {
      await workers.shutdown();
      await closeClient();
      await destroyTestDb(db);
    },
  };
}

/** A file's workflow harness and, when asked for, the scripted API its runbooks call (`params.base`). */
export interface WorkflowSuite extends WorkflowHarness {
  api: ScriptedApi;
}

/**
 * Starts the harness on a queue `queuePrefix-…` (and a scripted API answering with `respond`) before
 * the file's tests and closes both after them. The fields are set once `beforeAll` has run; with
 * `enabled` false nothing starts (a file whose tests all skip); `isolated` as for startWorkflowHarness.
 */
export function workflowSuite(
  queuePrefix: string,
  respond?: Parameters<typeof startScriptedApi>[0],
  { enabled = true, isolated = false }: { enabled?: boolean; isolated?: boolean } = {},
): WorkflowSuite {
  const suite = {} as WorkflowSuite;
  if (!enabled) return suite;
  beforeAll(async () => {
    Object.assign(suite, await startWorkflowHarness(queuePrefix, { isolated }));
    if (respond) suite.api = await startScriptedApi(respond);
  });
  afterAll(async () => {
    await suite.close?.();
    suite.api?.close();
  });
  return suite;
}

/** The state of step `id` in the run's progress. */
export async function stepState(handle: WorkflowHandle, id: string): Promise<StepState | undefined> {
  return (await handle.query(getProgress)).steps.find((s) => s.id === id)?.state;
}
