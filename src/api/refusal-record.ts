/**
 * Every refusal recorded, whatever the caller sent: the one path from a refused request to its
 * `action.refused` event and its answer. The record's texts are cleaned and capped
 * (recorded-request.ts), so the caller's bytes cannot make the write fail; if the write fails all
 * the same (the database is down or refuses), the request is answered 503 and the failure logged:
 * never a refusal that left no trace while the caller was told otherwise.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { recordHumanAction } from '../audit/human-actions';
import { AuthError, type Identity, type TokenAttribution } from '../auth/authenticate';
import type { Json } from '../plan/types';
import { AuditUnavailableError, toErrorAnswer, type ErrorAnswer } from './errors';
import { rawBodyOf } from './raw-body';
import { bodyDigest, cappedJson, cleanText } from './recorded-request';

export interface RefusalContext {
  requestId: string;
  /** confirm, approve, …, start (see actionOfRoute for requests refused before their route ran). */
  action: string;
  identity?: Identity;
  runId?: string;
  /** The trail has the run: the refusal goes on its chain (only for an authenticated caller). */
  runKnown: boolean;
  stepId?: string;
  /** What the route recorded of the request (its validated body); default: the raw body's excerpt. */
  request?: Json;
  /** More to record (e.g. a lockout's scope). */
  details?: Record<string, Json>;
}

/** A validated body as its `requested` record keeps it: storable JSON, long values cut (64 kB in all at most). */
export function recordedBody(body: unknown): Json {
  return cappedJson(body, 65_536).json;
}

/**
 * Writes the `requested` record of an accepted action before it is sent on.
 * @throws AuditUnavailableError (answered 503) when it cannot be written: the action must then not go on.
 */
export async function mustRecord(write: Promise<unknown>): Promise<void> {
  try {
    await write;
  } catch (err) {
    throw new AuditUnavailableError(err);
  }
}

/** Records the refusal of `err` and answers it; 503 when the record cannot be written. */
export async function answerRefusal(db: Kysely<Database>, req: FastifyRequest, reply: FastifyReply, err: unknown, r: RefusalContext): Promise<FastifyReply> {
  return answerWith(db, req, reply, toErrorAnswer(err), r, err);
}

/** `answerRefusal` for an answer already decided (a lockout, a framework refusal). */
export async function answerWith(db: Kysely<Database>, req: FastifyRequest, reply: FastifyReply, answer: ErrorAnswer, r: RefusalContext, err?: unknown): Promise<FastifyReply> {
  if (answer.status >= 500) req.log.error({ requestId: r.requestId, detail: answer.internal, err }, 'request failed');
  const token = err instanceof AuthError ? err.token : undefined;
  if (!(await recordRefusal(db, req, answer, r, token))) return reply.code(503).send(auditUnavailable(r.requestId));
  return reply.code(answer.status).send({ ...answer.body, requestId: r.requestId });
}

function auditUnavailable(requestId: string) {
  return { error: 'audit_unavailable', message: new AuditUnavailableError(undefined).message, requestId };
}

/** @returns false (after a log line) when the trail could not take the record. */
async function recordRefusal(db: Kysely<Database>, req: FastifyRequest, answer: ErrorAnswer, r: RefusalContext, token?: TokenAttribution): Promise<boolean> {
  // A refusal keeps a few kB: of what the route recorded, else of the raw body.
  const excerpt = cappedJson(r.request ?? req.body);
  const details: Record<string, Json> = {
    client: cleanText(req.ip ?? '', 100),
    body: { ...bodyDigest(rawBodyOf(req), headerText(req.headers['content-length']), excerpt.truncated) },
    ...(token ? { token: { ...token } } : {}),
    ...(r.identity?.session ? { via: 'console', session: r.identity.session } : {}),
    ...(r.details ?? {}),
  };
  try {
    await recordHumanAction(db, {
      requestId: r.requestId,
      outcome: 'refused',
      action: cleanText(r.action, 200),
      actor: r.identity?.name ?? 'anonymous',
      roles: r.identity?.roles,
      runId: r.runId === undefined ? undefined : cleanText(r.runId, 200),
      // An unauthenticated caller never writes into a run's chain.
      runKnown: Boolean(r.identity) && r.runKnown,
      stepId: r.stepId === undefined ? undefined : cleanText(r.stepId, 200),
      status: answer.status,
      code: answer.body.error,
      // A server error's own text stays in the log; a caller's text is cut.
      message: cleanText(answer.body.message),
      refusedBy: answer.refusedBy,
      request: excerpt.json,
      details,
    });
    return true;
  } catch (err) {
    req.log.error({ requestId: r.requestId, err }, 'could not record a refused request in the audit trail: answered 503');
    return false;
  }
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
