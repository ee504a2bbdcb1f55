/** Users, their roles and their tokens. Writes go through here (the `users` CLI and the API). */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { authDb } from './tables';
import { ROLE_PATTERN } from './roles';
import { generateToken, hashToken, tokenPrefix } from './tokens';

export const USER_NAME_PATTERN = /^[a-z][a-z0-9._-]{0,63}$/;

export interface User {
  name: string;
  displayName: string | null;
  roles: string[];
  disabled: boolean;
}

export interface IssuedToken {
  /** The token itself: shown once, never stored. */
  token: string;
  prefix: string;
  label: string;
  expiresAt: Date | null;
}

/** @throws Error naming the bad name or role. */
function checkNames(name: string, roles: string[]): void {
  if (!USER_NAME_PATTERN.test(name)) throw new Error(`user name "${name}": lowercase letters, digits, ".", "_", "-", starting with a letter`);
  for (const role of roles) if (!ROLE_PATTERN.test(role)) throw new Error(`role "${role}": lowercase letters, digits and "-"`);
}

/** Creates a user, or sets the roles of an existing one. */
export async function upsertUser(db: Kysely<Database>, user: { name: string; roles: string[]; displayName?: string }): Promise<User> {
  checkNames(user.name, user.roles);
  const roles = [...new Set(user.roles)].sort();
  const row = await authDb(db)
    .insertInto('users')
    .values({ name: user.name, roles, display_name: user.displayName ?? null })
    .onConflict((oc) => oc.column('name').doUpdateSet({ roles, display_name: user.displayName ?? null, updated_at: new Date() }))
    .returningAll()
    .executeTakeFirstOrThrow();
  return toUser(row);
}

export async function getUser(db: Kysely<Database>, name: string): Promise<User | undefined> {
  const row = await authDb(db).selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  return row && toUser(row);
}

export async function listUsers(db: Kysely<Database>): Promise<User[]> {
  return (await authDb(db).selectFrom('users').selectAll().orderBy('name').execute()).map(toUser);
}

export async function setUserDisabled(db: Kysely<Database>, name: string, disabled: boolean): Promise<boolean> {
  const result = await authDb(db).updateTable('users').set({ disabled, updated_at: new Date() }).where('name', '=', name).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Issues a token for an existing user. @throws Error when the user does not exist. */
export async function issueToken(db: Kysely<Database>, userName: string, opts: { label: string; expiresAt?: Date }): Promise<IssuedToken> {
  if (!(await getUser(db, userName))) throw new Error(`no user "${userName}"`);
  const token = generateToken();
  const prefix = tokenPrefix(token);
  await authDb(db)
    .insertInto('api_tokens')
    .values({ token_hash: hashToken(token), user_name: userName, label: opts.label, prefix, expires_at: opts.expiresAt ?? null })
    .execute();
  return { token, prefix, label: opts.label, expiresAt: opts.expiresAt ?? null };
}

/** Revokes every token of a user with this prefix (or all of the user's when no prefix). @returns how many. */
export async function revokeTokens(db: Kysely<Database>, userName: string, prefix?: string): Promise<number> {
  let query = authDb(db).updateTable('api_tokens').set({ revoked_at: new Date() }).where('user_name', '=', userName).where('revoked_at', 'is', null);
  if (prefix) query = query.where('prefix', '=', prefix);
  return Number((await query.executeTakeFirst()).numUpdatedRows);
}

export interface TokenInfo {
  /** The visible prefix: never the token, never its hash. */
  prefix: string;
  label: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  state: 'active' | 'revoked' | 'expired';
}

/** A user's tokens, newest first, as an access review reads them. */
export async function listTokens(db: Kysely<Database>, userName: string, now = new Date()): Promise<TokenInfo[]> {
  const rows = await authDb(db)
    .selectFrom('api_tokens')
    .select(['prefix', 'label', 'created_at', 'expires_at', 'revoked_at', 'last_used_at'])
    .where('user_name', '=', userName)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map((r) => ({
    prefix: r.prefix, label: r.label, createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at,
    state: r.revoked_at ? 'revoked' : r.expires_at && r.expires_at.getTime() <= now.getTime() ? 'expired' : 'active',
  }));
}

function toUser(row: { name: string; display_name: string | null; roles: string[]; disabled: boolean }): User {
  return { name: row.name, displayName: row.display_name, roles: row.roles, disabled: row.disabled };
}
