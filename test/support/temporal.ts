/**
 * Temporal for tests: a client on the dev server that global-setup started, and drillbook's real
 * worker wiring on a task queue of the test's own.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { startWorkers, type RunningWorkers } from '../../src/temporal/worker';
import { testDb } from './db';

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

export async function startWorkflowHarness(queuePrefix: string): Promise<WorkflowHarness> {
  const db = await testDb();
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
      await db.destroy();
    },
  };
}
