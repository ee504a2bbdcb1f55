/**
 * The audit database: its tables (one module each under tables/) and how to connect.
 *
 * @example
 *   const db = createDb(process.env.DATABASE_URL!);
 *   await migrateToLatest(db);
 *   await db.destroy();
 */
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import { Pool } from 'pg';
import type { AuditChainHeadsTable } from './tables/audit-chain-heads';
import type { AuditEventsTable } from './tables/audit-events';
import type { RunsTable } from './tables/runs';
import type { StepResultsTable } from './tables/step-results';

export interface Database {
  runs: RunsTable;
  step_results: StepResultsTable;
  audit_events: AuditEventsTable;
  audit_chain_heads: AuditChainHeadsTable;
}

/** A connection or an open transaction: query functions take either, so callers can compose them. */
export type Db = Kysely<Database> | Transaction<Database>;

export interface CreateDbOptions {
  /** Pool size; pg's default (10) unless given. */
  maxConnections?: number;
}

const pools = new WeakMap<Db, Pool>();

/** Connects lazily (the first query opens the pool). Call `db.destroy()` to close it. */
export function createDb(url: string, options: CreateDbOptions = {}): Kysely<Database> {
  const pool = new Pool({ connectionString: url, max: options.maxConnections });
  // An idle pooled connection the server ends (restart, failover, DROP DATABASE … FORCE) is removed
  // from the pool, and the next query opens a new one; without a listener, pg would crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/**
 * The pg pool under a `createDb` connection (undefined for a transaction or another Kysely): for the
 * one hot path that reads rows as arrays (chain verification), which Kysely cannot.
 */
export function poolOf(db: Db): Pool | undefined {
  return pools.get(db);
}
