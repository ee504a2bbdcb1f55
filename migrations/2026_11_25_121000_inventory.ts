/**
 * The drill programme: the service inventory (single source of truth for targets and cadence), its
 * blackout windows, each apply of the inventory file, and which plan each drill schedule starts.
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('services')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('notify', 'text')
    .addColumn('criticality', 'text', (c) => c.notNull())
    .addColumn('sites', sql`text[]`, (c) => c.notNull())
    .addColumn('rto_ms', 'bigint', (c) => c.notNull())
    .addColumn('rpo_ms', 'bigint', (c) => c.notNull())
    .addColumn('cadence', 'text', (c) => c.notNull())
    // [{ file, name, version, mode, planHash, objectives, schedule }], as compiled when applied.
    .addColumn('runbooks', 'jsonb', (c) => c.notNull())
    .addColumn('entry', 'jsonb', (c) => c.notNull())
    .addColumn('entry_hash', 'text', (c) => c.notNull())
    .addColumn('first_applied_at', 'timestamptz', (c) => c.notNull())
    // Moves only when the entry's hash changes: "changed since the last drill" reads it.
    .addColumn('entry_changed_at', 'timestamptz', (c) => c.notNull())
    // A service removed from the file is retired, never deleted: past coverage still names it.
    .addColumn('retired_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('blackout_windows')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('starts_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ends_at', 'timestamptz', (c) => c.notNull())
    .addColumn('reason', 'text')
    // NULL = every service.
    .addColumn('services', sql`text[]`)
    .addCheckConstraint('blackout_windows_order', sql`ends_at > starts_at`)
    .execute();

  await db.schema
    .createTable('inventory_applies')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('file', 'text', (c) => c.notNull())
    .addColumn('inventory_hash', 'text', (c) => c.notNull())
    // Programme-wide settings: timezone, notifications, alert thresholds.
    .addColumn('settings', 'jsonb', (c) => c.notNull())
    .addColumn('applied_by', 'text', (c) => c.notNull())
    .addColumn('applied_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('drill_schedules')
    .addColumn('schedule_id', 'text', (c) => c.primaryKey())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('runbook_name', 'text', (c) => c.notNull())
    .addColumn('runbook_version', 'text', (c) => c.notNull())
    .addColumn('runbook_file', 'text', (c) => c.notNull())
    // The plan the schedule's action carries: schedule arguments are a snapshot.
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('spec', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('drill_schedules_service').on('drill_schedules').column('service').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('drill_schedules').execute();
  await db.schema.dropTable('inventory_applies').execute();
  await db.schema.dropTable('blackout_windows').execute();
  await db.schema.dropTable('services').execute();
}
