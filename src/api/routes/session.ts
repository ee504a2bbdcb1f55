/**
 * The console's sign-in (issue 16): an API token exchanged for a session (src/auth/sessions.ts). The
 * browser then holds only the session cookie (HttpOnly, SameSite=Strict, Path=/, Secure behind TLS)
 * and sends the session's CSRF token in `X-CSRF-Token` with every change; the token itself never
 * stays in the page. Every sign-in, refused sign-in and sign-out is in the audit trail (`api` chain,
 * actions `signin` / `signout`) with the identity, the client and the session's public reference.
 *
 *   POST   /api/session   { token }  sign in: 200 and the cookie; 401 (recorded) for a bad token
 *   GET    /api/session              who is signed in and the CSRF token, or `signedIn: false`
 *   DELETE /api/session              sign out (needs the CSRF token, as every cookie change)
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordHumanAction } from '../../audit/human-actions';
import { AuthError, authenticateToken, type Identity } from '../../auth/authenticate';
import { CSRF_HEADER, SESSION_COOKIE, createSession, csrfMatches, endSession, findSession, type ConsoleSession } from '../../auth/sessions';
import { hashToken, tokenPrefix } from '../../auth/tokens';
import type { Json } from '../../plan/types';
import type { ApiDeps } from '../app';
import type { ApiLimits } from '../api-limits';
import { parseBody } from '../bodies';
import { ApiError } from '../errors';
import { answers, auditedRoute } from '../openapi';
import { cleanText } from '../recorded-request';
import { answerRefusal, mustRecord } from '../refusal-record';
import { SessionAnswer, SignInAnswer, SignOutAnswer } from '../answer-schemas';

const SignInBody = z.strictObject({ token: z.string().min(1, 'the API token is required').max(200).describe('an API token (`drillbook users token NAME`); never stored, never recorded') });

/** What the trail keeps of a sign-in: the token's visible prefix, never the token. */
function recordedSignIn(body: unknown): Json {
  const token = (body as { token?: unknown } | null)?.token;
  return { token: typeof token === 'string' ? `${cleanText(tokenPrefix(token), 20)}…` : null };
}

/** Who, from where, with which session: beside each sign-in and sign-out. */
function sessionDetails(req: FastifyRequest, session: Pick<ConsoleSession, 'ref'>): Record<string, Json> {
  const agent = req.headers['user-agent'];
  return { session: session.ref, client: cleanText(req.ip ?? '', 100), userAgent: typeof agent === 'string' ? cleanText(agent, 200) : null };
}

function sessionView(session: ConsoleSession) {
  return {
    signedIn: true as const,
    name: session.identity.name,
    roles: session.identity.roles,
    csrfToken: session.csrfToken,
    session: session.ref,
    expiresAt: session.expiresAt.toISOString(),
    idleExpiresAt: session.idleExpiresAt.toISOString(),
  };
}

export function registerSessionRoutes(app: FastifyInstance, deps: ApiDeps & { limits: ApiLimits }): void {
  const { db, limits } = deps;
  const setCookie = (req: FastifyRequest, reply: FastifyReply, id: string) =>
    reply.setCookie(SESSION_COOKIE, id, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.protocol === 'https' });
  const clearCookie = (req: FastifyRequest, reply: FastifyReply) =>
    reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.protocol === 'https' });

  /** A sign-in in a browser that holds a live session ends that one (its cookie is overwritten: nobody could use it again). */
  async function endReplacedSession(req: FastifyRequest): Promise<void> {
    const id = req.cookies[SESSION_COOKIE];
    if (!id) return;
    const old = await findSession(db, id, { touch: false }).catch(() => undefined);
    if (!old || !(await endSession(db, old.hash, 'signed-out'))) return;
    await mustRecord(recordHumanAction(db, { requestId: randomUUID(), outcome: 'requested', action: 'signout', actor: old.identity.name, roles: old.identity.roles, runKnown: false, request: null, details: { ...sessionDetails(req, old), ended: 'replaced', by: 'sign-in' } }));
  }

  const signIn = auditedRoute(
    'sign in to the console: an API token exchanged for a session (Set-Cookie drillbook_session, HttpOnly, SameSite=Strict); the answer carries the CSRF token for X-CSRF-Token',
    SignInBody,
    { status: 200, schema: SignInAnswer },
    undefined,
    [403],
  );
  app.post('/api/session', { schema: { ...signIn.schema, security: [] } }, async (req, reply) => {
    const requestId = randomUUID();
    let identity: Identity | undefined;
    const request = recordedSignIn(req.body);
    try {
      // A sign-in from another site's page (login CSRF) is refused; browsers say where a request comes from.
      if (req.headers['sec-fetch-site'] === 'cross-site') throw new ApiError(403, 'forbidden', 'Sec-Fetch-Site: a sign-in must come from the console itself, not another site', 'Sec-Fetch-Site');
      const body = parseBody(SignInBody, req.body);
      identity = await authenticateToken(db, `Bearer ${body.token}`);
      await endReplacedSession(req);
      const { id, session } = await createSession(db, identity, hashToken(body.token), { idleMs: limits.sessionIdleMs, maxMs: limits.sessionMaxMs });
      try {
        await mustRecord(recordHumanAction(db, { requestId, outcome: 'requested', action: 'signin', actor: identity.name, roles: identity.roles, runKnown: false, request, details: sessionDetails(req, session) }));
      } catch (err) {
        await endSession(db, session.hash, 'signed-out').catch(() => undefined);
        throw err;
      }
      setCookie(req, reply, id);
      return reply.code(200).send({ ok: true, ...sessionView(session), requestId });
    } catch (err) {
      return answerRefusal(db, req, reply, err, { requestId, action: 'signin', identity, runKnown: false, request });
    }
  });

  app.get(
    '/api/session',
    { schema: { summary: 'who is signed in to the console (by the session cookie) and the CSRF token; `signedIn: false` without a live session', security: [], response: answers({ status: 200, schema: SessionAnswer }, [], { open: true }) } },
    async (req, reply) => {
      const id = req.cookies[SESSION_COOKIE];
      if (!id) return { signedIn: false, reason: 'not signed in' };
      try {
        return sessionView(await findSession(db, id));
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        clearCookie(req, reply);
        return { signedIn: false, reason: err.message };
      }
    },
  );

  const signOut = {
    summary: 'sign out of the console: the session ends (needs X-CSRF-Token); `signedOut: false` when there was no live session',
    security: [],
    response: answers({ status: 200, schema: SignOutAnswer }, [403], { audited: true, open: true }),
  };
  app.delete('/api/session', { schema: signOut }, async (req, reply) => {
    const requestId = randomUUID();
    const id = req.cookies[SESSION_COOKIE];
    let session: ConsoleSession | undefined;
    try {
      if (!id) return { ok: true, signedOut: false };
      try {
        session = await findSession(db, id, { touch: false });
      } catch (err) {
        if (!(err instanceof AuthError)) throw err;
        clearCookie(req, reply);
        return { ok: true, signedOut: false };
      }
      if (!csrfMatches(session, req.headers[CSRF_HEADER])) {
        throw new AuthError(403, 'forbidden', `X-CSRF-Token: ${req.headers[CSRF_HEADER] ? "not this session's CSRF token" : 'missing'}; signing out needs the token GET /api/session gives`, undefined, 'X-CSRF-Token');
      }
      const identity = session.identity;
      await mustRecord(recordHumanAction(db, { requestId, outcome: 'requested', action: 'signout', actor: identity.name, roles: identity.roles, runKnown: false, request: null, details: { ...sessionDetails(req, session), ended: 'signed-out', by: 'user' } }));
      await endSession(db, session.hash, 'signed-out');
      clearCookie(req, reply);
      return { ok: true, signedOut: true, requestId };
    } catch (err) {
      return answerRefusal(db, req, reply, err, { requestId, action: 'signout', identity: session?.identity, runKnown: false, request: null });
    }
  });
}
