/**
 * The console's sessions (issue 16): an API token exchanged for a server-side session, so the browser
 * holds no token, only an HttpOnly, SameSite=Strict cookie with a random session id. The server keeps
 * the id's sha256 (migration 2026_12_05_090000_console_sessions), the user, the token it was made
 * from, a CSRF token, and two expiries: idle (no request for `idleMs`) and absolute (`maxMs` after the
 * sign-in). A session is as good as its token: a revoked or expired token, or a disabled user, ends it
 * at its next use; the roles are read afresh on every request.
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { ColumnType } from 'kysely';
import { recordHumanAction } from '../audit/human-actions';
import { AuthError, type Identity } from './authenticate';
import { authDb, type AuthTables } from './tables';

/** The cookie holding the session id. */
export const SESSION_COOKIE = 'drillbook_session';
/** The header every unsafe request authenticated by the cookie must carry: the session's CSRF token. */
export const CSRF_HEADER = 'x-csrf-token';

export interface ConsoleSessionsTable {
  /** sha256 (hex) of the session id; the id itself is only in the browser's cookie. */
  session_hash: string;
  user_name: string;
  token_hash: string;
  token_prefix: string;
  csrf_token: string;
  created_at: ColumnType<Date, Date | undefined, never>;
  last_seen_at: ColumnType<Date, Date | undefined, Date>;
  idle_ms: number;
  expires_at: ColumnType<Date, Date, never>;
  ended_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  ended_reason: string | null;
}

type SessionDatabase = Database & AuthTables & { console_sessions: ConsoleSessionsTable };
const sessionDb = (db: Kysely<Database>): Kysely<SessionDatabase> => authDb(db).withTables<{ console_sessions: ConsoleSessionsTable }>();

export interface ConsoleSession {
  /** A short public reference to the session (the start of its hash): what the trail records. */
  ref: string;
  hash: string;
  identity: Identity;
  csrfToken: string;
  createdAt: Date;
  /** When it ends unless a request comes first. */
  idleExpiresAt: Date;
  /** When it ends whatever happens. */
  expiresAt: Date;
}

export function sessionHash(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}

const refOf = (hash: string) => hash.slice(0, 12);

/** Starts a session for `identity`, made from the token whose sha256 is `tokenHash`. @returns the id for the cookie, and the session. */
export async function createSession(
  db: Kysely<Database>,
  identity: Identity,
  tokenHash: string,
  opts: { idleMs: number; maxMs: number; now?: Date },
): Promise<{ id: string; session: ConsoleSession }> {
  const id = randomBytes(32).toString('base64url');
  const hash = sessionHash(id);
  const csrfToken = randomBytes(32).toString('base64url');
  const now = opts.now ?? new Date();
  const expiresAt = new Date(now.getTime() + opts.maxMs);
  await sessionDb(db)
    .insertInto('console_sessions')
    .values({ session_hash: hash, user_name: identity.name, token_hash: tokenHash, token_prefix: identity.tokenPrefix, csrf_token: csrfToken, created_at: now, last_seen_at: now, idle_ms: opts.idleMs, expires_at: expiresAt })
    .execute();
  const session = { ref: refOf(hash), hash, identity: { ...identity, session: refOf(hash) }, csrfToken, createdAt: now, idleExpiresAt: earlier(new Date(now.getTime() + opts.idleMs), expiresAt), expiresAt };
  return { id, session };
}

/**
 * Requests refused because their session had ended (signed out, expired, its token revoked): the
 * cookie was genuine, so the lockout does not count them as a failed authentication — a console left
 * open in a few tabs must not lock its office out (src/api/auth-lockout.ts). Unknown session ids count.
 */
const endedSessionRequests = new WeakSet<object>();

export function refusedForEndedSession(req: object): boolean {
  return endedSessionRequests.has(req);
}

/** Why a session no longer counts, as its row records it. */
export type SessionEnd = 'signed-out' | 'idle-expired' | 'expired' | 'token-revoked' | 'token-expired' | 'user-disabled';

/**
 * The live session whose id is `id`; touches it (the idle clock restarts) unless `touch` is false.
 * A session found past an expiry, or whose token or user no longer counts, is ended there, and the
 * end recorded in the trail once (`action.requested`, action `signout`, with the reason).
 * @throws AuthError 401 saying why the session does not count.
 */
export async function findSession(
  db: Kysely<Database>,
  id: string,
  opts: { touch?: boolean; now?: Date; request?: object } = {},
): Promise<ConsoleSession> {
  const hash = sessionHash(id);
  const row = await sessionDb(db)
    .selectFrom('console_sessions as s')
    .innerJoin('users as u', 'u.name', 's.user_name')
    .leftJoin('api_tokens as t', 't.token_hash', 's.token_hash')
    .select(['s.session_hash', 's.user_name', 's.token_prefix', 's.csrf_token', 's.created_at', 's.last_seen_at', 's.idle_ms', 's.expires_at', 's.ended_at', 'u.roles', 'u.disabled', 't.revoked_at', 't.expires_at as token_expires_at'])
    .where('s.session_hash', '=', hash)
    .executeTakeFirst();
  if (!row) throw new AuthError(401, 'unauthenticated', 'no such session: sign in again');
  if (opts.request && (row.ended_at || row.expires_at.getTime() <= (opts.now ?? new Date()).getTime())) endedSessionRequests.add(opts.request);
  if (row.ended_at) throw new AuthError(401, 'unauthenticated', 'the session has ended: sign in again');
  const now = opts.now ?? new Date();
  const idleEnd = new Date(row.last_seen_at.getTime() + row.idle_ms);
  const end: SessionEnd | undefined =
    row.expires_at.getTime() <= now.getTime() ? 'expired'
    : idleEnd.getTime() <= now.getTime() ? 'idle-expired'
    : row.disabled ? 'user-disabled'
    : row.revoked_at ? 'token-revoked'
    : row.token_expires_at && row.token_expires_at.getTime() <= now.getTime() ? 'token-expired'
    : undefined;
  if (end) {
    if (opts.request) endedSessionRequests.add(opts.request);
    if (await endSession(db, hash, end, now)) {
      // The end is the server's finding, not a request: recorded best effort (the session has ended either way).
      await recordHumanAction(db, {
        requestId: randomUUID(),
        outcome: 'requested',
        action: 'signout',
        actor: row.user_name,
        roles: row.roles,
        runKnown: false,
        request: null,
        details: { session: refOf(hash), ended: end, by: 'server' },
      }).catch(() => undefined);
    }
    throw new AuthError(401, 'unauthenticated', `the session has ended (${end.replace('-', ' ')}): sign in again`);
  }
  if (opts.touch !== false) {
    // Best effort, like a token's last use: a failed bookkeeping write must not refuse a valid request.
    await sessionDb(db).updateTable('console_sessions').set({ last_seen_at: now }).where('session_hash', '=', hash).execute().catch(() => undefined);
  }
  const seen = opts.touch !== false ? now : row.last_seen_at;
  return {
    ref: refOf(hash),
    hash,
    identity: { name: row.user_name, roles: row.roles, tokenPrefix: row.token_prefix, session: refOf(hash) },
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    idleExpiresAt: earlier(new Date(seen.getTime() + row.idle_ms), row.expires_at),
    expiresAt: row.expires_at,
  };
}

/** Ends a session. @returns false when it had ended already. */
export async function endSession(db: Kysely<Database>, hash: string, reason: SessionEnd, now = new Date()): Promise<boolean> {
  const result = await sessionDb(db)
    .updateTable('console_sessions')
    .set({ ended_at: now, ended_reason: reason })
    .where('session_hash', '=', hash)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Whether `sent` (the X-CSRF-Token header) is the session's CSRF token, in constant time. */
export function csrfMatches(session: ConsoleSession, sent: string | string[] | undefined): boolean {
  if (typeof sent !== 'string' || sent.length === 0) return false;
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(sent), digest(session.csrfToken));
}

function earlier(a: Date, b: Date): Date {
  return a.getTime() <= b.getTime() ? a : b;
}
