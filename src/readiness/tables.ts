/**
 * The readiness projection (migrations/2026_12_05_130000_readiness.ts), added to the audit database's
 * type with `readinessDb(db)` so this folder needs no edit of src/audit/database.ts.
 */
import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { Database } from '../audit/database';
import type { Json } from '../plan/types';
import type { Timestamp } from '../audit/tables/column-types';

export const READINESS_STATES = ['ready', 'not-ready', 'unknown'] as const;
export type ReadinessState = (typeof READINESS_STATES)[number];

export interface ReadinessStatesTable {
  service: string;
  runbook: string;
  plan_hash: string;
  state: ReadinessState;
  since: Timestamp;
  why: ColumnType<Json | null, Json | null, Json | null>;
  last_evaluated_at: Timestamp;
  recorded_ready: boolean | null;
  recorded_since: ColumnType<Date | null, Date | string | null, Date | string | null>;
}

export type ReadinessTables = { readiness_states: ReadinessStatesTable };
export type ReadinessDatabase = Database & ReadinessTables;

/** The audit database (or a transaction on it) seen with the readiness table. */
export function readinessDb(db: Kysely<Database> | Transaction<Database>): Kysely<ReadinessDatabase> {
  return (db as Kysely<Database>).withTables<ReadinessTables>();
}
