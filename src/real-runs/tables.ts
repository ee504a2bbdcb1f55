/**
 * The tables of real runs (migrations/2026_12_04_100000_real_runs.ts), added to the audit database's
 * type with `realRunsDb(db)`. `service_locks` is mutable (taken and released); `runbook_registrations`
 * is append-only (a trigger refuses UPDATE, DELETE and TRUNCATE).
 */
import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { Database } from '../audit/database';
import type { Json } from '../plan/types';
import type { Timestamp } from '../audit/tables/column-types';

export interface ServiceLocksTable {
  service: string;
  /** The real run holding the service. */
  run_id: string;
  mode: string;
  acquired_at: ColumnType<Date, Date | string | undefined, never>;
  /** Who started the run. */
  acquired_by: string;
}

export const REGISTRATION_ACTIONS = ['registered', 'revoked'] as const;
export type RegistrationAction = (typeof REGISTRATION_ACTIONS)[number];

export interface RunbookRegistrationsTable {
  id: ColumnType<string, never, never>;
  plan_hash: string;
  action: RegistrationAction;
  runbook_name: string;
  runbook_version: string;
  services: string[];
  modes: string[];
  file: string | null;
  plan: Json | null;
  reason: string;
  actor: string;
  request_id: string;
  recorded_at: Timestamp;
}

export type RealRunsTables = {
  service_locks: ServiceLocksTable;
  runbook_registrations: RunbookRegistrationsTable;
};

export type RealRunsDatabase = Database & RealRunsTables;
export type RealRunsDb = Kysely<RealRunsDatabase> | Transaction<RealRunsDatabase>;

/** The audit database (or a transaction on it) seen with the real-run tables. */
export function realRunsDb(db: Kysely<Database> | Transaction<Database>): Kysely<RealRunsDatabase> {
  return (db as Kysely<Database>).withTables<RealRunsTables>();
}
