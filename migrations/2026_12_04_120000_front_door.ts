/**
 * The front door's memory (issue 14):
 * - `api_start_keys`: one row per (user, Idempotency-Key) of `POST /api/runs`, with the run it
 *   started and the sha256 of the request, so a retried start returns the same run instead of a
 *   second drill, and the same key with another request is refused.
 * - one sign-off per person per capacity per run: a unique index on run_signoffs. run_signoffs is
 *   append-only, so duplicates recorded before this migration cannot be removed: where there are
 *   any, the index covers the rows after them (the API also checks every earlier row first).
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_start_keys')
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('request_sha256', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull()) // the workflow id the start uses (decided when the key is claimed)
    .addColumn('request_id', 'text', (c) => c.notNull()) // the first request's id
    .addColumn('plan_hash', 'text', (c) => c.notNull())
    .addColumn('started', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('api_start_keys_pk', ['user_name', 'idempotency_key'])
    .execute();

  const { rows } = await sql<{ last_duplicate: string | null }>`
    SELECT max(id)::text AS last_duplicate FROM run_signoffs s
    WHERE EXISTS (SELECT 1 FROM run_signoffs o WHERE o.run_id = s.run_id AND o.role = s.role AND o.signer = s.signer AND o.id < s.id)`.execute(db);
  const after = rows[0]?.last_duplicate;
  await sql`CREATE UNIQUE INDEX run_signoffs_once ON run_signoffs (run_id, role, signer)${
    after ? sql.raw(` WHERE id > ${Number(after)}`) : sql``
  }`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX run_signoffs_once`.execute(db);
  await db.schema.dropTable('api_start_keys').execute();
}
