/**
 * drillbook as a lab test runs it: a database of the test's own, workers on its queue, the test
 * Temporal client and the API; and the teardown that stops them, drops the database and brings the
 * test's lab down.
 */
import { rmSync } from 'node:fs';
import type { Kysely } from 'kysely';
import type { LabConfig } from '../../lab/config';
import { labDown } from '../../lab/lab';
import type { Database } from '../../src/audit/database';
import type { RunningWorkers } from '../../src/temporal/worker';
import { startTestApi, type TestApi } from './api';
import { destroyTestDb, isolatedTestDb } from './db';
import { testClient, testWorkers } from './temporal';

export interface LabDrillbook {
  db: Kysely<Database>;
  workers: RunningWorkers;
  temporal: Awaited<ReturnType<typeof testClient>>;
  api: TestApi;
}

export async function startLabDrillbook(taskQueue: string): Promise<LabDrillbook> {
  const db = await isolatedTestDb();
  const workers = await testWorkers(db, taskQueue);
  const temporal = await testClient();
  const api = await startTestApi(db, temporal.client, taskQueue);
  return { db, workers, temporal, api };
}

/** Stops what started (a failed `beforeAll` leaves parts unset), then the lab, and removes its folder. */
export async function stopLabDrillbook(parts: Partial<LabDrillbook>, lab: LabConfig): Promise<void> {
  await parts.api?.close();
  await parts.workers?.shutdown();
  await parts.temporal?.close();
  if (parts.db) await destroyTestDb(parts.db);
  await labDown(lab);
  rmSync(lab.rootDir, { recursive: true, force: true });
}
