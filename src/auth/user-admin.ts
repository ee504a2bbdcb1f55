/**
 * Changes to users, roles and tokens as audited acts: each change and its event on the `users` chain
 * in one transaction, with who made it (never a token: only its prefix). Used by the admin routes of
 * the API (src/api/routes/users.ts) and by the bootstrap of the first admin on the server's host.
 *
 * Every change holds one lock, so the bootstrap's "no admin exists yet" cannot race another change,
 * and a change that would remove the last enabled admin is refused (nobody could manage users any more).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import type { Json } from '../plan/types';
import { authDb } from './tables';
import { getUser, issueToken, revokeTokens, setUserDisabled, upsertUser, type IssuedToken, type User } from './users';

/** The chain of every change to users, roles and tokens. */
export const USERS_CHAIN = 'users';

export class UserChangeError extends Error {
  constructor(
    readonly kind: 'invalid' | 'not-found' | 'conflict',
    message: string,
    /** The request field at fault. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** Who asks and under which request: the event's actor and key. */
export interface ChangeContext {
  actor: string;
  requestId: string;
}

type Trx = Transaction<Database>;

async function change<T>(db: Kysely<Database>, ctx: ChangeContext, fn: (trx: Trx) => Promise<{ result: T; type: string; data: Json }>): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('drillbook.users'))`.execute(trx);
    const adminsBefore = await enabledAdmins(trx);
    const { result, type, data } = await fn(trx);
    if (adminsBefore > 0 && (await enabledAdmins(trx)) === 0) throw new UserChangeError('conflict', 'this change would remove the last enabled admin: nobody could manage users any more');
    await appendAuditEvents(trx, [{ key: `users/${ctx.requestId}`, chainId: USERS_CHAIN, runId: null, type, actor: ctx.actor, data }]);
    return result;
  });
}

async function enabledAdmins(db: Kysely<Database>): Promise<number> {
  const row = await authDb(db)
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('disabled', '=', false)
    .where(sql<boolean>`'admin' = ANY(roles)`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function existing(db: Kysely<Database>, name: string): Promise<User> {
  const user = await getUser(db, name);
  if (!user) throw new UserChangeError('not-found', `no user "${name}"`, 'name');
  return user;
}

/** Creates a user, or sets the roles (and display name) of an existing one. */
export async function addUserAudited(db: Kysely<Database>, ctx: ChangeContext, u: { name: string; roles: string[]; displayName?: string }): Promise<User> {
  return change(db, ctx, async (trx) => {
    const before = await getUser(trx, u.name);
    const user = await upsertUser(trx, u);
    return { result: user, type: before ? 'user.roles_set' : 'user.added', data: { name: user.name, roles: user.roles, previousRoles: before?.roles ?? null, displayName: user.displayName } };
  });
}

/** Issues a token (the value is returned once; the trail keeps its prefix, label and expiry). */
export async function issueTokenAudited(db: Kysely<Database>, ctx: ChangeContext, t: { name: string; label: string; expiresAt?: Date }): Promise<IssuedToken> {
  return change(db, ctx, async (trx) => {
    await existing(trx, t.name);
    const issued = await issueToken(trx, t.name, { label: t.label, expiresAt: t.expiresAt });
    return { result: issued, type: 'user.token_issued', data: { name: t.name, prefix: issued.prefix, label: issued.label, expiresAt: issued.expiresAt?.toISOString() ?? null } };
  });
}

/** Revokes a user's tokens (all, or the one with `prefix`). @throws UserChangeError not-found when none was active. */
export async function revokeTokensAudited(db: Kysely<Database>, ctx: ChangeContext, r: { name: string; prefix?: string }): Promise<number> {
  return change(db, ctx, async (trx) => {
    await existing(trx, r.name);
    const revoked = await revokeTokens(trx, r.name, r.prefix);
    if (!revoked) throw new UserChangeError('not-found', `user "${r.name}" has no active token${r.prefix ? ` with prefix ${r.prefix}` : ''}`, r.prefix ? 'prefix' : 'name');
    return { result: revoked, type: 'user.tokens_revoked', data: { name: r.name, prefix: r.prefix ?? null, revoked } };
  });
}

/** Disables (or enables again) a user: their tokens stop (or start again) working. */
export async function setDisabledAudited(db: Kysely<Database>, ctx: ChangeContext, d: { name: string; disabled: boolean }): Promise<void> {
  await change(db, ctx, async (trx) => {
    await existing(trx, d.name);
    await setUserDisabled(trx, d.name, d.disabled);
    return { result: undefined, type: d.disabled ? 'user.disabled' : 'user.enabled', data: { name: d.name } };
  });
}

/**
 * The first admin, made on the server's host straight in the database (nobody holds a token yet): only
 * while no enabled admin exists. The user is created (or given `admin` on top of their roles) and a
 * token issued. @throws UserChangeError conflict once an admin exists.
 */
export async function bootstrapFirstAdmin(db: Kysely<Database>, ctx: ChangeContext, b: { name: string; label: string }): Promise<{ user: User; issued: IssuedToken }> {
  return change(db, ctx, async (trx) => {
    if ((await enabledAdmins(trx)) > 0) {
      throw new UserChangeError('conflict', 'an admin exists already: the bootstrap is only for the first one; ask an admin (`drillbook users add NAME --role admin` through the API)');
    }
    const before = await getUser(trx, b.name);
    const user = await upsertUser(trx, { name: b.name, roles: [...(before?.roles ?? []), 'admin'], displayName: before?.displayName ?? undefined });
    if (before?.disabled) await setUserDisabled(trx, b.name, false);
    const issued = await issueToken(trx, b.name, { label: b.label });
    return { result: { user: { ...user, disabled: false }, issued }, type: 'user.admin_bootstrapped', data: { name: user.name, roles: user.roles, prefix: issued.prefix, label: issued.label } };
  });
}
