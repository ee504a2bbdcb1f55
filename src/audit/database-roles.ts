/**
 * Two PostgreSQL roles for the audit database, so the app cannot rewrite history:
 * - the owner (`drillbook_owner`, NOLOGIN by default) owns every table, function and sequence;
 *   migrations run as it (`SET ROLE` from the migrating connection);
 * - the app (`drillbook_app`, LOGIN) is what the API, the workers and the CLI connect as: the
 *   privileges of table-access.ts, no ownership, no CREATE in the schema.
 * Roles are cluster-wide: created idempotently, by a connection that may create roles.
 */
import { sql, type Kysely } from 'kysely';
import { appPrivileges, TABLE_ACCESS } from './table-access';

export const OWNER_ROLE = 'drillbook_owner';
export const APP_ROLE = 'drillbook_app';

const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export interface RoleNames {
  owner: string;
  app: string;
}

export interface ConnectionRights {
  user: string;
  superuser: boolean;
  createRole: boolean;
  /** current_user is the owner role or may SET ROLE to it. */
  canActAsOwner: boolean;
  ownerExists: boolean;
  appExists: boolean;
}

export function roleNames(names: Partial<RoleNames> = {}): RoleNames {
  const r = { owner: names.owner ?? OWNER_ROLE, app: names.app ?? APP_ROLE };
  for (const n of [r.owner, r.app]) if (!ROLE_NAME.test(n)) throw new Error(`role name "${n}": use lowercase letters, digits and _ (at most 63)`);
  return r;
}

export async function connectionRights(db: Kysely<any>, names: RoleNames): Promise<ConnectionRights> {
  const { rows } = await sql<{ user: string; superuser: boolean; createrole: boolean; owner_exists: boolean; app_exists: boolean; as_owner: boolean }>`
    SELECT current_user AS user, r.rolsuper AS superuser, r.rolcreaterole AS createrole,
      EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${names.owner}) AS owner_exists,
      EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${names.app}) AS app_exists,
      (current_user = ${names.owner} OR r.rolsuper OR (EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${names.owner})
        AND pg_has_role(current_user, ${names.owner}, 'MEMBER'))) AS as_owner
    FROM pg_roles r WHERE r.rolname = current_user`.execute(db);
  const r = rows[0];
  return { user: r.user, superuser: r.superuser, createRole: r.createrole, canActAsOwner: r.as_owner, ownerExists: r.owner_exists, appExists: r.app_exists };
}

/**
 * Creates both roles if missing. The app role gets LOGIN (with `appPassword` when given); the owner
 * stays NOLOGIN unless `ownerPassword` is given.
 * @throws Error when a role is missing and this connection may not create roles.
 */
export async function ensureRoles(db: Kysely<any>, names: RoleNames, passwords: { app?: string; owner?: string } = {}): Promise<void> {
  const rights = await connectionRights(db, names);
  if (!rights.superuser && !rights.createRole && !rights.canActAsOwner) {
    throw new Error(`${rights.user} may neither create roles nor act as ${names.owner}: connect as a superuser, a role with CREATEROLE, or ${names.owner}`);
  }
  for (const [name, login, password] of [[names.owner, false, passwords.owner], [names.app, true, passwords.app]] as const) {
    const exists = name === names.owner ? rights.ownerExists : rights.appExists;
    if (!exists) {
      if (!rights.superuser && !rights.createRole) throw new Error(`role ${name} does not exist and ${rights.user} may not create roles: connect as a superuser or a role with CREATEROLE`);
      await sql`CREATE ROLE ${sql.id(name)} ${sql.raw(login ? 'LOGIN' : 'NOLOGIN')} NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS`.execute(db).catch((err: { code?: string }) => {
        if (err.code !== '42710') throw err; // created meanwhile
      });
    }
    // Role passwords cannot be bound as parameters: quote the literal as quote_literal would.
    if (password !== undefined) await sql`ALTER ROLE ${sql.id(name)} LOGIN PASSWORD ${sql.lit(password)}`.execute(db);
  }
  // The migrating connection acts as the owner through SET ROLE.
  if (!rights.superuser && !rights.canActAsOwner) await sql`GRANT ${sql.id(names.owner)} TO ${sql.id(rights.user)}`.execute(db);
}

/**
 * Gives the owner role what this connection's user owns in the schema (tables, sequences, functions:
 * a database first migrated by a superuser, as every dev machine's was), and the right to create in it.
 */
export async function transferOwnership(db: Kysely<any>, names: RoleNames): Promise<void> {
  const database = (await sql<{ db: string }>`SELECT current_database() AS db`.execute(db)).rows[0].db;
  await sql`GRANT CONNECT, TEMPORARY ON DATABASE ${sql.id(database)} TO ${sql.id(names.owner)}`.execute(db);
  await sql`GRANT USAGE, CREATE ON SCHEMA public TO ${sql.id(names.owner)}`.execute(db);
  const tables = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) = current_user`.execute(db);
  // A table's owned sequences (bigserial) follow it.
  for (const t of tables.rows) await sql`ALTER TABLE ${sql.table(t.name)} OWNER TO ${sql.id(names.owner)}`.execute(db);
  const functions = await sql<{ signature: string }>`
    SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) = current_user`.execute(db);
  for (const f of functions.rows) await sql`ALTER FUNCTION ${sql.raw(f.signature)} OWNER TO ${sql.id(names.owner)}`.execute(db);
}

export interface GrantReport {
  /** Tables in the schema that table-access.ts does not name: the app may only read them. */
  unclassified: string[];
}

/**
 * The app role's privileges, from table-access.ts, on every table of the schema: everything revoked,
 * then granted again (idempotent; a privilege removed from the list is removed from the role).
 * Run as the owner (or a superuser).
 */
export async function grantAppRole(db: Kysely<any>, names: RoleNames): Promise<GrantReport> {
  const app = sql.id(names.app);
  const database = (await sql<{ db: string }>`SELECT current_database() AS db`.execute(db)).rows[0].db;
  await sql`GRANT CONNECT ON DATABASE ${sql.id(database)} TO ${app}`.execute(db);
  await sql`GRANT USAGE ON SCHEMA public TO ${app}`.execute(db);
  await sql`REVOKE CREATE ON SCHEMA public FROM ${app}`.execute(db);
  const { rows } = await sql<{ name: string }>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') ORDER BY c.relname`.execute(db);
  for (const { name } of rows) {
    await sql`REVOKE ALL ON TABLE ${sql.table(name)} FROM ${app}`.execute(db);
    await sql`GRANT ${sql.raw(appPrivileges(name).join(', '))} ON TABLE ${sql.table(name)} TO ${app}`.execute(db);
  }
  // bigserial ids: inserting takes the next value.
  await sql`GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO ${app}`.execute(db);
  const unclassified = rows.map((r) => r.name).filter((n) => !(n in TABLE_ACCESS) && !n.startsWith('kysely_migration'));
  return { unclassified };
}
