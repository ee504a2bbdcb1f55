/** Is the audit schema at the latest migration? Read-only: the app's role can ask it at start. */
import { sql, type Kysely } from 'kysely';
import { migrations } from '../../migrations';

export interface SchemaStatus {
  current: boolean;
  /** Migrations not yet applied, in order. */
  pending: string[];
}

export async function schemaStatus(db: Kysely<any>): Promise<SchemaStatus> {
  const exists = (await sql<{ t: string | null }>`SELECT to_regclass('public.kysely_migration')::text AS t`.execute(db)).rows[0].t;
  const applied = exists ? new Set((await sql<{ name: string }>`SELECT name FROM kysely_migration`.execute(db)).rows.map((r) => r.name)) : new Set<string>();
  const pending = Object.keys(migrations).sort().filter((name) => !applied.has(name));
  return { current: pending.length === 0, pending };
}

/** Whether this connection may create tables in the schema (a superuser, the owner, or a dev's own role). */
export async function canMigrate(db: Kysely<any>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`
    SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) OR has_schema_privilege('public', 'CREATE') AS ok`.execute(db);
  return rows[0].ok;
}
