/**
 * What every benchmark case shares: one Temporal dev server (ours unless TEMPORAL_ADDRESS is set), one
 * PostgreSQL, drillbook's real worker wiring (`startWorkers`) and a plain Worker for the baseline with
 * the same settings, each on a task queue of its own.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import { Client as PgClient } from 'pg';
import { createDb, type Database } from '../src/audit/database';
import { migrateToLatest } from '../src/audit/migrate';
import { startDevServer, type DevServer } from '../src/temporal/dev-server';
import { startWorkers, type RunningWorkers } from '../src/temporal/worker';
import * as baselineActivities from './baseline/activities';

/** Where the bench's databases live: `postgres://…/<name>` on the admin URL's server. */
export function databaseUrl(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** PostgreSQL identifiers of our own making only; refuses anything else before it reaches SQL. */
export function checkDatabaseName(name: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`database name "${name}": lower-case letters, digits and _ only`);
  return name;
}

export async function withAdmin<T>(adminUrl: string, fn: (admin: PgClient) => Promise<T>): Promise<T> {
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
}

/** Drops and creates `name`, then migrates it. */
export async function freshDatabase(adminUrl: string, name: string, maxConnections?: number): Promise<Kysely<Database>> {
  checkDatabaseName(name);
  await withAdmin(adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const db = createDb(databaseUrl(adminUrl, name), { maxConnections });
  await migrateToLatest(db);
  return db;
}

export interface TemporalSide {
  address: string;
  client: Client;
  /** Stops what `startTemporal` started. */
  close(): Promise<void>;
}

/** TEMPORAL_ADDRESS when set, else a dev server of the bench's own (in memory: nothing to clean up). */
export async function startTemporal(log: (line: string) => void): Promise<TemporalSide> {
  let server: DevServer | undefined;
  let address = process.env.TEMPORAL_ADDRESS;
  if (!address) {
    server = await startDevServer({ readyTimeoutMs: 60_000 });
    address = server.address;
    log(`temporal: dev server started at ${address}`);
  } else {
    log(`temporal: ${address} (TEMPORAL_ADDRESS)`);
  }
  const connection = await Connection.connect({ address });
  return {
    address,
    client: new Client({ connection }),
    close: async () => {
      await connection.close();
      await server?.stop();
    },
  };
}

export interface BaselineWorker {
  taskQueue: string;
  shutdown(): Promise<void>;
}

/**
 * A plain Worker on its own bundle, with drillbook's worker settings (SDK defaults plus a 10 s
 * shutdown grace time): the baseline must not be tuned differently.
 */
export async function startBaselineWorker(address: string): Promise<BaselineWorker> {
  const taskQueue = `bench-baseline-${randomUUID().slice(0, 8)}`;
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve(path.join(__dirname, 'baseline', 'workflows')),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m), log() {} } as never,
  });
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    namespace: 'default',
    taskQueue,
    activities: baselineActivities,
    workflowBundle,
    shutdownGraceTime: '10s',
  });
  const done = worker.run();
  return {
    taskQueue,
    shutdown: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
      await connection.close();
    },
  };
}

export interface DrillbookWorker extends RunningWorkers {
  taskQueue: string;
}

export async function startDrillbookWorker(
  address: string,
  db: Kysely<Database>,
  opts: { sites?: string[]; connections?: Record<string, string> } = {},
): Promise<DrillbookWorker> {
  const taskQueue = `bench-drillbook-${randomUUID().slice(0, 8)}`;
  const workers = await startWorkers({
    address,
    namespace: 'default',
    taskQueue,
    sites: opts.sites ?? [],
    db,
    connections: opts.connections ?? {},
    identity: 'drillbook-bench',
  });
  return { ...workers, taskQueue };
}
