/**
 * What the two start routes (a run's, POST /api/runs; a campaign's, POST /api/campaigns) share: their
 * opening — authenticate, authorise `start`, parse the body (a 400 names the field), note what is
 * recorded of it — and their refusal, answered and audited with whatever the opening learned.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../audit/database';
import { authenticate, authorize, type Identity } from '../auth/authenticate';
import type { Json } from '../plan/types';
import { RunAlreadyActiveError } from '../temporal/start-run';
import { parseBody } from './bodies';
import { ApiError } from './errors';
import { answerRefusal, recordedBody } from './refusal-record';

/** A start request as far as its checks got: who asked, and what is recorded of the request. */
export interface StartAttempt {
  requestId: string;
  identity?: Identity;
  request?: Json;
}

export function newStartAttempt(): StartAttempt {
  return { requestId: randomUUID() };
}

/** The opening of a start: fills `attempt` as each check passes, so a refusal records what was known. */
export async function openStart<S extends z.ZodType>(
  db: Kysely<Database>,
  req: FastifyRequest,
  attempt: StartAttempt,
  schema: S,
  recorded: (body: z.output<S>) => unknown,
): Promise<{ identity: Identity; body: z.output<S> }> {
  const identity = await authenticate(db, req);
  attempt.identity = identity;
  authorize(identity, 'start');
  const body = parseBody(schema, req.body);
  attempt.request = recordedBody(recorded(body));
  return { identity, body };
}

/** Answers a refused start (a service's real run already active: 409) and records the refusal. */
export function refuseStart(db: Kysely<Database>, req: FastifyRequest, reply: FastifyReply, attempt: StartAttempt, err: unknown): Promise<FastifyReply> {
  const refusal = err instanceof RunAlreadyActiveError ? new ApiError(409, 'run_already_active', err.message) : err;
  return answerRefusal(db, req, reply, refusal, { requestId: attempt.requestId, action: 'start', identity: attempt.identity, runKnown: false, request: attempt.request });
}
