/**
 * Temporal for tests: a client on the dev server that global-setup started, and drillbook's real
 * worker wiring on a task queue of the test's own.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { startWorkers, type RunningWorkers } from '../../src/temporal/worker';

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
