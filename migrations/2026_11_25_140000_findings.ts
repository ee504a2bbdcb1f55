/**
 * Findings and their remediation, as evidence: findings, actions, risk acceptances and run
 * sign-offs. Every table is append-only in the database itself (a trigger refuses UPDATE, DELETE and
 * TRUNCATE, as on audit_events): a correction is a new row, `revision` one higher, whose `supersedes`
 * names the row it replaces. The current state of a finding or an action is its highest revision.
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

const EVIDENCE_TABLES = ['findings', 'finding_actions', 'risk_acceptances', 'run_signoffs'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('findings')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('finding_id', 'text', (c) => c.notNull()) // stable across revisions, e.g. F-2026-0001
    .addColumn('revision', 'integer', (c) => c.notNull().check(sql`revision >= 1`))
    .addColumn('supersedes', 'bigint', (c) => c.references('findings.id'))
    .addColumn('run_id', 'text')
    .addColumn('step_id', 'text')
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('raised_at', 'timestamptz', (c) => c.notNull()) // of revision 1, repeated so ageing reads one row
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addColumn('note', 'text')
    .addUniqueConstraint('findings_revision', ['finding_id', 'revision'])
    .execute();
  await db.schema.createIndex('findings_run').on('findings').column('run_id').execute();

  await db.schema
    .createTable('finding_actions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('action_id', 'text', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull().check(sql`revision >= 1`))
    .addColumn('supersedes', 'bigint', (c) => c.references('finding_actions.id'))
    .addColumn('finding_id', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('due_date', 'date', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('closing_evidence', 'text')
    .addColumn('retest_run_id', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .addUniqueConstraint('finding_actions_revision', ['action_id', 'revision'])
    .execute();
  await db.schema.createIndex('finding_actions_finding').on('finding_actions').column('finding_id').execute();

  await db.schema
    .createTable('risk_acceptances')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('finding_id', 'text', (c) => c.notNull())
    .addColumn('supersedes', 'bigint', (c) => c.references('risk_acceptances.id'))
    .addColumn('approver', 'text', (c) => c.notNull())
    .addColumn('rationale', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('recorded_by', 'text', (c) => c.notNull())
    .addColumn('recorded_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('risk_acceptances_finding').on('risk_acceptances').column('finding_id').execute();

  await db.schema
    .createTable('run_signoffs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull()) // drill-owner, business-owner, independent-reviewer
    .addColumn('signer', 'text', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('request_id', 'text', (c) => c.notNull().unique())
    .addColumn('signed_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('run_signoffs_run').on('run_signoffs').column('run_id').execute();

  await sql`
    CREATE FUNCTION evidence_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Evidence is never changed or removed; record a new revision that supersedes it.';
    END
    $$`.execute(db);
  for (const table of EVIDENCE_TABLES) {
    await sql`CREATE TRIGGER ${sql.raw(`${table}_no_update_delete`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION evidence_refuse_change()`.execute(db);
    await sql`CREATE TRIGGER ${sql.raw(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION evidence_refuse_change()`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [...EVIDENCE_TABLES].reverse()) await db.schema.dropTable(table).execute();
  await sql`DROP FUNCTION evidence_refuse_change()`.execute(db);
}
