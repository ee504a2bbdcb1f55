/**
 * Notification deliveries (issue 17 item 6): one row per notifying audit event and target, the
 * dispatcher's outbox state. Unique on (event_key, target), so two dispatchers, or a dispatcher that
 * restarts, never enqueue — and so never send — one notice to one target twice. A row holds the
 * target's NAME (`service:payments`, `inventory`), never its URL: a chat webhook's path is its
 * secret. The outcome of each delivery is also an audit event (chain `notifications`).
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_deliveries')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addColumn('event_id', 'bigint', (c) => c.notNull())
    .addColumn('target', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    // What is sent, minus the target: formatted per target at send time.
    .addColumn('notice', 'jsonb', (c) => c.notNull())
    // pending | delivered | failed
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // A dispatcher holds a row while it posts it; another may take it once the lease has passed.
    .addColumn('leased_until', 'timestamptz')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addUniqueConstraint('notification_deliveries_event_target', ['event_key', 'target'])
    .execute();
  await db.schema
    .createIndex('notification_deliveries_due')
    .on('notification_deliveries')
    .column('next_attempt_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_deliveries').execute();
}
