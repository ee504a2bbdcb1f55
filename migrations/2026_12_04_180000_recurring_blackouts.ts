/**
 * Recurring blackout windows (issue 17, item 7): `blackout_windows` holds fixed windows (start, end)
 * and recurring ones (`recurrence`: the rule as the inventory writes it, days or month days, from,
 * to, time zone), so the start and end become optional; a row is one form or the other.
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('blackout_windows').addColumn('recurrence', 'jsonb').execute();
  await db.schema.alterTable('blackout_windows').alterColumn('starts_at', (c) => c.dropNotNull()).execute();
  await db.schema.alterTable('blackout_windows').alterColumn('ends_at', (c) => c.dropNotNull()).execute();
  await db.schema
    .alterTable('blackout_windows')
    .addCheckConstraint(
      'blackout_windows_form',
      sql`(recurrence IS NULL AND starts_at IS NOT NULL AND ends_at IS NOT NULL) OR (recurrence IS NOT NULL AND starts_at IS NULL AND ends_at IS NULL)`,
    )
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.deleteFrom('blackout_windows').where('recurrence', 'is not', null).execute();
  await db.schema.alterTable('blackout_windows').dropConstraint('blackout_windows_form').execute();
  await db.schema.alterTable('blackout_windows').alterColumn('starts_at', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('blackout_windows').alterColumn('ends_at', (c) => c.setNotNull()).execute();
  await db.schema.alterTable('blackout_windows').dropColumn('recurrence').execute();
}
