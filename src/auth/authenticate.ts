/**
 * The one gate of every human action: who is asking (a bearer token, or the console's session cookie
 * with, on every unsafe method, its CSRF token), and may they do this (their roles, and the runbook's
 * rules for the step). Throws `AuthError` with the HTTP status to answer; the API maps it in one
 * place (src/api/errors.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { ACTION_ROLES, type HumanAction } from './roles';
import { authDb } from './tables';
import { hashToken, tokenPrefix } from './tokens';
import { CSRF_HEADER, SESSION_COOKIE, csrfMatches, findSession } from './sessions';

export interface Identity {
  name: string;
  roles: string[];
  /** The prefix of the token used (never the token); for a console session, the token it was made from. */
  tokenPrefix: string;
  /** A console session's public reference (sessions.ts), when the request came with the session cookie. */
  session?: string;
}

/** What a request offers to prove who sent it (a Fastify request is one: @fastify/cookie parses `cookies`). */
export interface Credentials {
  method: string;
  headers: IncomingHttpHeaders;
  cookies?: Record<string, string | undefined>;
}

/** Methods that change something: a cookie-authenticated one must carry the session's CSRF token. */
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Whose token a refused one is, when the trail can tell: its prefix matches a token on record. */
export interface TokenAttribution {
  /** The token's visible prefix (never the token). */
  prefix: string;
  /** The user the token with this prefix was issued to. */
  owner: string;
  /**
   * Why it was refused: revoked, expired, its user disabled, or not the token with this prefix; or
   * the user's live console session sent a change without its CSRF token (the browser is theirs, the
   * act is not proven to be: the refusal names whom it was aimed at).
   */
  state: 'revoked' | 'expired' | 'user-disabled' | 'mismatch' | 'no-csrf-token';
}

export class AuthError extends Error {
  constructor(
    readonly status: 401 | 403,
    readonly code: 'unauthenticated' | 'forbidden',
    message: string,
    /** A refused token the trail knows the owner of (for the refusal's record). */
    readonly token?: TokenAttribution,
    /** The request field at fault (the CSRF header). */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** What the runbook says about the act, when it concerns a step or a run. */
export interface ActRules {
  /** The run's initiator: never an approver of it (four-eyes). */
  initiator?: string;
  /** The role the step requires (an approval's `role`, a manual step's `role`). */
  stepRole?: string;
  stepId?: string;
}

/**
 * Authenticates a request: its `Authorization: Bearer <token>` header when it has one, else the
 * console's session cookie, which on an unsafe method (POST, PUT, PATCH, DELETE) must come with the
 * session's CSRF token in `X-CSRF-Token` (a cookie is ambient: a page of another site could make the
 * browser send it; the token it cannot read). A bearer token needs no CSRF token: no browser sends
 * it by itself.
 * @throws AuthError 401 when missing, unknown, revoked, expired, its user disabled, or the session
 *   ended; 403 when a cookie-authenticated unsafe request lacks the right CSRF token.
 */
export async function authenticate(db: Kysely<Database>, req: Credentials, opts: { touch?: boolean } = {}): Promise<Identity> {
  if (req.headers.authorization === undefined) {
    const sessionId = req.cookies?.[SESSION_COOKIE];
    if (sessionId) return sessionIdentity(db, req, sessionId, opts.touch);
  }
  return authenticateToken(db, req.headers.authorization);
}

async function sessionIdentity(db: Kysely<Database>, req: Credentials, sessionId: string, touch?: boolean): Promise<Identity> {
  // `touch: false`: a check that is not the person's doing (a live stream's) leaves the idle clock running.
  const session = await findSession(db, sessionId, { touch, request: req });
  if (UNSAFE_METHODS.has(req.method.toUpperCase()) && !csrfMatches(session, req.headers[CSRF_HEADER])) {
    throw new AuthError(
      403,
      'forbidden',
      `X-CSRF-Token: ${req.headers[CSRF_HEADER] ? "not this session's CSRF token" : 'missing'}; a change made with the console's session cookie must carry the token GET /api/session gives`,
      { prefix: session.identity.tokenPrefix, owner: session.identity.name, state: 'no-csrf-token' },
      'X-CSRF-Token',
    );
  }
  return session.identity;
}

/**
 * Authenticates the `Authorization: Bearer <token>` header value (or a token given in a body: the sign-in).
 * @throws AuthError 401 when missing, unknown, revoked, expired, or its user is disabled.
 */
export async function authenticateToken(db: Kysely<Database>, authorization: string | undefined): Promise<Identity> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) throw new AuthError(401, 'unauthenticated', 'missing bearer token (Authorization: Bearer <token>) or console session');
  const token = match[1];
  const row = await authDb(db)
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.name', 'api_tokens.user_name')
    .select(['users.name', 'users.roles', 'users.disabled', 'api_tokens.revoked_at', 'api_tokens.expires_at', 'api_tokens.token_hash'])
    .where('api_tokens.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row) {
    const owner = await tokenOwnerByPrefix(db, tokenPrefix(token));
    throw new AuthError(401, 'unauthenticated', 'invalid token', owner ? { prefix: tokenPrefix(token), owner, state: 'mismatch' } : undefined);
  }
  const attribution = (state: TokenAttribution['state']): TokenAttribution => ({ prefix: tokenPrefix(token), owner: row.name, state });
  if (row.revoked_at) throw new AuthError(401, 'unauthenticated', 'token revoked', attribution('revoked'));
  if (row.expires_at && row.expires_at.getTime() <= Date.now()) throw new AuthError(401, 'unauthenticated', 'token expired', attribution('expired'));
  if (row.disabled) throw new AuthError(401, 'unauthenticated', `user ${row.name} is disabled`, attribution('user-disabled'));
  // Best effort: a failed bookkeeping write must not refuse a valid request.
  await authDb(db).updateTable('api_tokens').set({ last_used_at: new Date() }).where('token_hash', '=', row.token_hash).execute().catch(() => undefined);
  return { name: row.name, roles: row.roles, tokenPrefix: tokenPrefix(token) };
}

/**
 * The user a token with this visible prefix was issued to, if any: lets a refusal (and the lockout)
 * name whose token someone is guessing at, without the token itself.
 */
export async function tokenOwnerByPrefix(db: Kysely<Database>, prefix: string): Promise<string | undefined> {
  const row = await authDb(db).selectFrom('api_tokens').select('user_name').where('prefix', '=', prefix).limit(1).executeTakeFirst();
  return row?.user_name;
}

/**
 * Checks `identity` may perform `action` under the runbook's `rules`.
 * @throws AuthError 403 naming the role needed or the rule broken.
 */
export function authorize(identity: Identity, action: HumanAction, rules: ActRules = {}): void {
  if (action === 'approve') {
    if (rules.initiator !== undefined && identity.name === rules.initiator) {
      throw new AuthError(403, 'forbidden', `${identity.name} started this run and can never approve it (four-eyes)`);
    }
    const role = rules.stepRole ?? 'approver';
    if (!identity.roles.includes(role)) {
      throw new AuthError(403, 'forbidden', `approving step "${rules.stepId}" needs the role "${role}"; ${identity.name} has ${rolesText(identity)}`);
    }
    return;
  }
  if (action === 'confirm' && rules.stepRole !== undefined) {
    // A manual step names who may confirm it; that role replaces the default `operator`.
    if (!identity.roles.includes(rules.stepRole)) {
      throw new AuthError(403, 'forbidden', `confirming step "${rules.stepId}" needs the role "${rules.stepRole}"; ${identity.name} has ${rolesText(identity)}`);
    }
    return;
  }
  const allowed: readonly string[] = ACTION_ROLES[action];
  if (!identity.roles.some((r) => allowed.includes(r))) {
    throw new AuthError(403, 'forbidden', `${action} needs the role ${allowed.map((r) => `"${r}"`).join(' or ')}; ${identity.name} has ${rolesText(identity)}`);
  }
}

/** The one entry: authenticate, then authorize. */
export async function authenticateAndAuthorize(db: Kysely<Database>, req: Credentials, action: HumanAction, rules?: ActRules): Promise<Identity> {
  const identity = await authenticate(db, req);
  authorize(identity, action, rules);
  return identity;
}

function rolesText(identity: Identity): string {
  return identity.roles.length ? identity.roles.map((r) => `"${r}"`).join(', ') : 'no role';
}
