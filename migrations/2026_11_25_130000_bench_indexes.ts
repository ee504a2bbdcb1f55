/**
 * Indexes for the auditor's queries, found with EXPLAIN ANALYZE at 1M events / 20k runs (see
 * BENCHMARKS.md): coverage of a half-year reads every run of the window; with the columns it needs
 * in the index that is an index-only scan instead of one heap visit per run.
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX runs_started_at_coverage ON runs (started_at) INCLUDE (mode, verdict, rto_ms, services)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP INDEX runs_started_at_coverage`.execute(db);
}
