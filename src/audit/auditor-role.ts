/**
 * A read-only PostgreSQL role for auditors: SELECT on every table of the schema (now and later),
 * nothing else. Roles are cluster-wide, so this is a command (`drillbook audit auditor-role`), not a
 * migration: a migration runs once per database and would fight over one role.
 */
import { sql } from 'kysely';
import type { Db } from './database';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface AuditorRoleOptions {
  /** Role name; default `drillbook_auditor`. */
  name?: string;
  /** Give the role LOGIN with this password (else NOLOGIN: grant it to people's own roles). */
  password?: string;
}

/**
 * Creates the role if missing (idempotent) and grants it read-only access to this database.
 * @throws Error for a role name that is not a plain lowercase identifier; database errors as they come.
 */
export async function ensureAuditorRole(db: Db, options: AuditorRoleOptions = {}): Promise<string> {
  const name = options.name ?? 'drillbook_auditor';
  if (!ROLE_NAME.test(name)) throw new Error(`role name "${name}": use lowercase letters, digits and _ (at most 63)`);
  const role = sql.id(name);
  const exists = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = ${name}`.execute(db);
  if (exists.rows[0].n === 0) {
    await sql`CREATE ROLE ${role} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOBYPASSRLS`.execute(db).catch((err: { code?: string }) => {
      if (err.code !== '42710') throw err; // created meanwhile
    });
  }
  if (options.password !== undefined) {
    // Role passwords cannot be bound as parameters: quote the literal as quote_literal would.
    await sql`ALTER ROLE ${role} LOGIN PASSWORD ${sql.lit(options.password)}`.execute(db);
  }
  const database = (await sql<{ db: string }>`SELECT current_database() AS db`.execute(db)).rows[0].db;
  await sql`GRANT CONNECT ON DATABASE ${sql.id(database)} TO ${role}`.execute(db);
  await sql`GRANT USAGE ON SCHEMA public TO ${role}`.execute(db);
  await sql`REVOKE CREATE ON SCHEMA public FROM ${role}`.execute(db);
  await sql`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${role}`.execute(db);
  await sql`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${role}`.execute(db);
  await sql`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`.execute(db);
  await sql`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${role}`.execute(db);
  // Tokens are credentials (hashed, still not an auditor's business).
  await sql`REVOKE SELECT ON TABLE api_tokens FROM ${role}`.execute(db).catch(() => undefined);
  return name;
}
