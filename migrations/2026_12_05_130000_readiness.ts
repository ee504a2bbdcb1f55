/**
 * Continuous readiness (issue 17): the current state of each registered runbook's pre-checks, per
 * service, as the last evaluation found it. A projection of the `readiness.changed` events on the
 * `readiness` chain (state and since), plus what only the latest evaluation knows (why, when).
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('readiness_states')
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('runbook', 'text', (c) => c.notNull())
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    // ready | not-ready | unknown (a pre-check could not be evaluated: a param without a value, …)
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state IN ('ready', 'not-ready', 'unknown')`))
    .addColumn('since', 'timestamptz', (c) => c.notNull())
    // { check, output } of the failing pre-check, or { reason } when unknown; NULL when ready.
    .addColumn('why', 'jsonb')
    .addColumn('last_evaluated_at', 'timestamptz', (c) => c.notNull())
    // The last state written to the trail (ready or not-ready): an unknown spell does not move it.
    .addColumn('recorded_ready', 'boolean')
    .addColumn('recorded_since', 'timestamptz')
    .addPrimaryKeyConstraint('readiness_states_pk', ['service', 'runbook'])
    .execute();
  await db.schema.createIndex('readiness_states_runbook').on('readiness_states').column('runbook').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('readiness_states').execute();
}
