/**
 * `drillbook migrate` (and the start of a process whose connection may migrate): the roles, the
 * migrations run as the owner role, the app role's grants. See database-roles.ts.
 */
import { sql } from 'kysely';
import { ensureAuditorRole } from './auditor-role';
import { createDb } from './database';
import { connectionRights, ensureRoles, grantAppRole, roleNames, transferOwnership, type RoleNames } from './database-roles';
import { migrateToLatest } from './migrate';

export interface MigrateDatabaseOptions {
  /** Create the roles when missing (`drillbook migrate`); at a process's start, only use them if they exist. */
  createRoles: boolean;
  names?: Partial<RoleNames>;
  passwords?: { app?: string; owner?: string };
}

export interface MigrateDatabaseOutcome {
  applied: string[];
  names: RoleNames;
  /** The migrations ran as the owner role (else as the connection's own user: no owner role yet). */
  asOwner: boolean;
  /** The app role's grants were (re)applied. */
  granted: boolean;
  /** Tables that table-access.ts does not classify (the app may only read them). */
  unclassified: string[];
  user: string;
}

/**
 * Migrates the database at `url` (which must exist). One connection, so `SET ROLE` holds for every
 * statement of the migrations.
 * @throws Error naming what failed (role creation, ownership, a migration).
 */
export async function migrateDatabase(url: string, options: MigrateDatabaseOptions): Promise<MigrateDatabaseOutcome> {
  const names = roleNames(options.names);
  const db = createDb(url, { maxConnections: 1 });
  try {
    if (options.createRoles) await ensureRoles(db, names, options.passwords);
    const rights = await connectionRights(db, names);
    const asOwner = rights.ownerExists && rights.canActAsOwner;
    if (asOwner && rights.user !== names.owner) {
      await transferOwnership(db, names);
      await sql`SET ROLE ${sql.id(names.owner)}`.execute(db);
    }
    const applied = await migrateToLatest(db);
    let unclassified: string[] = [];
    const granted = rights.appExists && asOwner;
    if (granted) unclassified = (await grantAppRole(db, names)).unclassified;
    // The read-only auditor role (`audit auditor-role`), if made: SELECT on the new tables too, and by
    // default on those the owner creates later (default privileges are per creating role).
    const auditor = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'drillbook_auditor'`.execute(db);
    if (asOwner && auditor.rows[0].n > 0) await ensureAuditorRole(db);
    if (asOwner) await sql`RESET ROLE`.execute(db);
    return { applied, names, asOwner, granted, unclassified, user: rights.user };
  } finally {
    await db.destroy();
  }
}
