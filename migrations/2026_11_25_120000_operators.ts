/**
 * Operators: the people who act on runs through `drillbook serve`, their roles, and their API tokens.
 * A token is stored as the sha256 of its random value: the database never holds a usable token.
 *
 * Frozen in time: takes `Kysely<any>` and never imports src/.
 */
import { Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('display_name', 'text')
    // Role names: operator, approver, auditor, admin, or a runbook's own approval role.
    .addColumn('roles', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey()) // sha256 hex of the token
    .addColumn('user_name', 'text', (c) => c.notNull().references('users.name').onDelete('cascade'))
    .addColumn('label', 'text', (c) => c.notNull())
    // A short, non-secret prefix of the token, so a person can tell their tokens apart.
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_name').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('api_tokens').execute();
  await db.schema.dropTable('users').execute();
}
