/**
 * What real runs (failover, failback) need:
 *
 * - `service_locks`: one row per service a real run holds, taken for all of the run's services in one
 *   transaction before its workflow starts, deleted when the run ends. Mutable by design (a lock is
 *   taken and released); it is not evidence: the trail records who started and ended what.
 * - `runbook_registrations`: the runbook versions (plan hashes) an admin registered for real use, and
 *   their revocations. Append-only like the evidence tables (a trigger refuses UPDATE, DELETE and
 *   TRUNCATE): a revocation, or a registration again after one, is a new row; a hash's state is its
 *   latest row.
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('service_locks')
    .addColumn('service', 'text', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('acquired_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('acquired_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('service_locks_run').on('service_locks').column('run_id').execute();

  await db.schema
    .createTable('runbook_registrations')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull().check(sql`action IN ('registered', 'revoked')`))
    .addColumn('runbook_name', 'text', (c) => c.notNull())
    .addColumn('runbook_version', 'text', (c) => c.notNull())
    .addColumn('services', sql`text[]`, (c) => c.notNull())
    .addColumn('modes', sql`text[]`, (c) => c.notNull())
    .addColumn('file', 'text')
    // The compiled plan registered (on `registered` rows): what was reviewed, kept with the decision.
    .addColumn('plan', 'jsonb')
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('runbook_registrations_hash').on('runbook_registrations').columns(['plan_hash', 'id']).execute();

  // evidence_refuse_change() comes from the findings migration: the same refusal, the same hint.
  await sql`CREATE TRIGGER runbook_registrations_no_update_delete BEFORE UPDATE OR DELETE ON runbook_registrations
    FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()`.execute(db);
  await sql`CREATE TRIGGER runbook_registrations_no_truncate BEFORE TRUNCATE ON runbook_registrations
    FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('runbook_registrations').execute();
  await db.schema.dropTable('service_locks').execute();
}
