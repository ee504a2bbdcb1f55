/**
 * Requests Fastify itself refuses before a route runs (a body over DRILLBOOK_API_BODY_LIMIT, malformed
 * JSON, another content type): answered in the API's shape with a request id, and recorded like any
 * refusal (who, when known; the body's size; never the unread body). And the last guard of every 5xx
 * answer, whichever route sent it: a request id, never internal (PostgreSQL, Temporal) text, which
 * goes to the server's log under that id instead.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { authenticate, AuthError, type Identity } from '../auth/authenticate';
import type { ApiLimits } from './api-limits';
import { markAuthenticationFailed } from './auth-lockout';
import { FAILURES } from '../plan/failures';
import { INTERNAL_MESSAGE, TEMPORAL_UNAVAILABLE, internalDetailOf, type ErrorAnswer } from './errors';
import { answerWith } from './refusal-record';
import { actionOfRoute } from './route-actions';

/**
 * 5xx codes whose message is drillbook's own words, safe to send: the trail cannot record, Temporal
 * cannot be reached, and a run that refuses the front door's signature (its worker does not trust
 * this key: a configuration fault the operator must see named).
 */
const OWN_5XX = new Set(['audit_unavailable', TEMPORAL_UNAVAILABLE, FAILURES.ActionNotSigned]);

function answerFor(err: FastifyError, limits: ApiLimits): ErrorAnswer {
  const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
  if (status === 500) return { status, body: { error: 'internal', message: INTERNAL_MESSAGE }, refusedBy: 'api', internal: err.message };
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return { status, body: { error: 'body_too_large', message: `(body): larger than ${limits.bodyLimit} bytes (DRILLBOOK_API_BODY_LIMIT)`, field: '(body)' }, refusedBy: 'api' };
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return { status, body: { error: 'unsupported_media_type', message: '(body): send JSON (Content-Type: application/json)', field: '(body)' }, refusedBy: 'api' };
  }
  return { status, body: { error: 'invalid_request', message: `(body): ${err.message}`, field: '(body)' }, refusedBy: 'api' };
}

export function registerFrameworkRefusals(app: FastifyInstance, db: Kysely<Database>, limits: ApiLimits): void {
  app.setErrorHandler(async (err: FastifyError, req, reply) => {
    const answer = answerFor(err, limits);
    const { action, runId, stepId } = actionOfRoute(req);
    let identity: Identity | undefined;
    let authErr: unknown;
    // Who sent it, when the token says so (a refusal names its sender); the body was never used.
    try {
      identity = await authenticate(db, req);
    } catch (e) {
      authErr = e;
      markAuthenticationFailed(req);
    }
    const token = authErr instanceof AuthError && authErr.token ? { token: { ...authErr.token } } : undefined;
    return answerWith(db, req, reply, answer, { requestId: randomUUID(), action, identity, runId, stepId, runKnown: false, details: token }, err);
  });

  // A route that sent a 5xx body from toErrorAnswer: its internal text goes to the log under the request id.
  app.addHook('preSerialization', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode < 500 || payload === null || typeof payload !== 'object') return payload;
    const body = payload as Record<string, unknown>;
    const detail = internalDetailOf(body);
    if (detail === undefined || typeof body.requestId === 'string') return payload;
    const requestId = randomUUID();
    req.log.error({ requestId, detail }, 'internal error');
    return { ...body, requestId };
  });

  app.addHook('onSend', async (req: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode < 500 || typeof payload !== 'string') return payload;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      body = { error: 'internal', message: payload };
    }
    const requestId = typeof body.requestId === 'string' ? body.requestId : randomUUID();
    if (typeof body.error === 'string' && OWN_5XX.has(body.error)) return JSON.stringify({ ...body, requestId });
    if (body.message !== INTERNAL_MESSAGE) req.log.error({ requestId, detail: body.message }, 'internal error');
    return JSON.stringify({ error: 'internal', message: INTERNAL_MESSAGE, requestId });
  });
}
