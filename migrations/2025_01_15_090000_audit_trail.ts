/**
 * The audit trail: runs and step results (projections, updatable) and audit_events (append-only,
 * hash-chained per chain, one head row per chain).
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/, so later code changes never alter what
 * this migration did.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('runs')
    .addColumn('run_id', 'text', (c) => c.primaryKey()) // the Temporal workflow id
    .addColumn('temporal_run_id', 'text')
    .addColumn('runbook_name', 'text', (c) => c.notNull())
    .addColumn('runbook_version', 'text', (c) => c.notNull())
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    .addColumn('plan', 'jsonb', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('params', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('services', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('initiator', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('objectives', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('verdict', 'text')
    .addColumn('started_at', 'timestamptz', (c) => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    // bigint: a manual DR can outlast int4's 24.8 days of milliseconds.
    .addColumn('rto_ms', 'bigint')
    .addColumn('rpo_ms', 'bigint')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // The auditor's queries: recent runs, per runbook, per service (array containment), and what is live.
  await db.schema.createIndex('runs_started_at').on('runs').expression(sql`started_at desc`).execute();
  await db.schema.createIndex('runs_runbook_started_at').on('runs').expression(sql`runbook_name, started_at desc`).execute();
  await db.schema.createIndex('runs_services').on('runs').using('gin').column('services').execute();
  await db.schema.createIndex('runs_active').on('runs').column('started_at').where(sql.ref('ended_at'), 'is', null).execute();

  // No foreign key to runs: step activities and the run-start write are independent activities, and a
  // projection row must never fail an activity because another one has not landed yet.
  await db.schema
    .createTable('step_results')
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text', (c) => c.notNull())
    .addColumn('execution', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('started_at', 'timestamptz')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('output', 'jsonb')
    .addColumn('error', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('step_results_pk', ['run_id', 'step_id', 'execution'])
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('chain_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'bigint', (c) => c.notNull().check(sql`seq >= 1`))
    .addColumn('key', 'text', (c) => c.notNull().unique()) // the idempotency key
    .addColumn('run_id', 'text')
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('step_id', 'text')
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('at', 'timestamptz', (c) => c.notNull())
    // The canonical JSON that was hashed, kept byte for byte (jsonb would reorder and renormalise it).
    .addColumn('body', 'text', (c) => c.notNull())
    // Derived from body so the queryable copy can never disagree with what was hashed.
    .addColumn('data', 'jsonb', (c) => c.generatedAlwaysAs(sql`(body::jsonb) -> 'data'`).stored())
    .addColumn('prev_hash', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .addUniqueConstraint('audit_events_chain_seq', ['chain_id', 'seq'])
    .execute();
  await db.schema.createIndex('audit_events_run_seq').on('audit_events').columns(['run_id', 'seq']).execute();
  await db.schema.createIndex('audit_events_type_at').on('audit_events').columns(['type', 'at']).execute();

  await db.schema
    .createTable('audit_chain_heads')
    .addColumn('chain_id', 'text', (c) => c.primaryKey())
    .addColumn('last_seq', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('last_hash', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Append-only, enforced by the database for every client, not only by our code. Superusers can
  // still bypass triggers (session_replication_role); the hash chain is what detects that.
  await sql`
    CREATE FUNCTION audit_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit events are never changed or removed; append a correcting event instead.';
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change()`.execute(db);
  await sql`
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change()`.execute(db);

  // A removed or rewound head would let the next append restart a chain; refuse both.
  await sql`
    CREATE FUNCTION audit_chain_heads_refuse_rewind() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.chain_id = OLD.chain_id AND NEW.last_seq >= OLD.last_seq THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit_chain_heads only moves forward: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER audit_chain_heads_forward_only BEFORE UPDATE OR DELETE ON audit_chain_heads
    FOR EACH ROW EXECUTE FUNCTION audit_chain_heads_refuse_rewind()`.execute(db);
  await sql`
    CREATE TRIGGER audit_chain_heads_no_truncate BEFORE TRUNCATE ON audit_chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_heads_refuse_rewind()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_chain_heads').execute();
  await sql`DROP FUNCTION audit_chain_heads_refuse_rewind()`.execute(db);
  await db.schema.dropTable('audit_events').execute();
  await sql`DROP FUNCTION audit_events_refuse_change()`.execute(db);
  await db.schema.dropTable('step_results').execute();
  await db.schema.dropTable('runs').execute();
}
