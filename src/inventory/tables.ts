/**
 * The drill programme's tables (migrations/2026_11_25_121000_inventory.ts), added to the audit
 * database's type with `programmeDb(db)` so this folder needs no edit of src/audit/database.ts.
 */
import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';
import type { Database } from '../audit/database';
import type { Int8, Timestamp } from '../audit/tables/column-types';
import type { Json, Objectives } from '../plan/types';

/** A service's runbook as compiled when the inventory was applied. */
export interface AppliedRunbook {
  file: string;
  name: string;
  version: string;
  mode: string;
  planHash: string;
  objectives: Objectives;
}

export interface ServicesTable {
  name: string;
  owner: string;
  notify: string | null;
  criticality: string;
  sites: string[];
  rto_ms: Int8;
  rpo_ms: Int8;
  cadence: string;
  runbooks: ColumnType<AppliedRunbook[], AppliedRunbook[], AppliedRunbook[]>;
  entry: Json;
  entry_hash: string;
  first_applied_at: Timestamp;
  entry_changed_at: Timestamp;
  retired_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface BlackoutWindowsTable {
  name: string;
  /** Fixed windows only (NULL for a recurring one). */
  starts_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  ends_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Recurring windows only: the rule as the inventory writes it (days/monthDays, from, to, timezone). */
  recurrence: ColumnType<Json | null, Json | null | undefined, Json | null>;
  reason: string | null;
  services: string[] | null;
}

export interface ProgrammeSettings {
  timezone: string;
  webhook: string | null;
  dueWithinMs: number;
  rtoShare: number;
  /** Notification settings (docs/notifications.md); present only when the inventory sets one. */
  format?: string;
  link?: string;
  attempts?: number;
  backoffMs?: number;
  timeoutMs?: number;
}

export interface InventoryAppliesTable {
  id: Generated<string>;
  file: string;
  inventory_hash: string;
  settings: ColumnType<ProgrammeSettings, ProgrammeSettings, ProgrammeSettings>;
  applied_by: string;
  applied_at: ColumnType<Date, Date | string | undefined, never>;
}

export interface DrillSchedulesTable {
  schedule_id: string;
  service: string;
  runbook_name: string;
  runbook_version: string;
  runbook_file: string;
  plan_hash: string;
  mode: string;
  spec: Json;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

// A type alias, not an interface: withTables wants a record type.
export type ProgrammeTables = {
  services: ServicesTable;
  blackout_windows: BlackoutWindowsTable;
  inventory_applies: InventoryAppliesTable;
  drill_schedules: DrillSchedulesTable;
};

export type ProgrammeDatabase = Database & ProgrammeTables;
export type ProgrammeDb = Kysely<ProgrammeDatabase> | Transaction<ProgrammeDatabase>;

/** The audit database seen with the programme's tables. */
export function programmeDb(db: Kysely<Database>): Kysely<ProgrammeDatabase> {
  return db.withTables<ProgrammeTables>();
}
