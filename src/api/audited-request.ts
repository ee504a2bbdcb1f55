/**
 * The path of a human act that is not an Update to a run (findings, users): authenticate → authorise
 * the role → the body → record `action.requested` → perform → answer. Any refusal, by these checks or
 * by what performs the act, is recorded as `action.refused` and answered in the API's shape. The same
 * records, on the same `api` chain, as the run actions of app.ts (src/audit/human-actions.ts).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../audit/database';
import { recordHumanAction } from '../audit/human-actions';
import { authenticate, authorize, type Identity } from '../auth/authenticate';
import type { HumanAction } from '../auth/roles';
import type { Json } from '../plan/types';
import { parseBody } from './bodies';
import { answerRefusal, mustRecord, recordedBody } from './refusal-record';

export interface AuditedSpec<S extends z.ZodType> {
  action: HumanAction;
  body: S;
  /** Rules beyond the action's roles (e.g. only an auditor closes a finding); throws ApiError. */
  check?: (body: z.output<S>, identity: Identity) => void;
  /** What the trail keeps of the request; default: the parsed body. Never a token or a secret. */
  recorded?: (body: z.output<S>) => Json;
  /** Does the act; its answer is sent as is. Throws ApiError (or AuthError) to refuse. */
  perform: (ctx: { body: z.output<S>; identity: Identity; requestId: string }) => Promise<{ status: number; body: Record<string, unknown> }>;
}

/** How an act came: the console's session (its public reference, for the trail), or a bearer token (nothing more to say). */
export function viaOf(identity: Identity): Record<string, Json> | undefined {
  return identity.session ? { via: 'console', session: identity.session } : undefined;
}

export async function auditedRequest<S extends z.ZodType>(db: Kysely<Database>, req: FastifyRequest, reply: FastifyReply, spec: AuditedSpec<S>) {
  const requestId = randomUUID();
  let identity: Identity | undefined;
  let request: Json | undefined;
  try {
    identity = await authenticate(db, req);
    authorize(identity, spec.action);
    const body = parseBody(spec.body, req.body);
    request = recordedBody(spec.recorded ? spec.recorded(body) : body);
    spec.check?.(body, identity);
    await mustRecord(recordHumanAction(db, { requestId, outcome: 'requested', action: spec.action, actor: identity.name, roles: identity.roles, runKnown: false, request, details: viaOf(identity) }));
    const answer = await spec.perform({ body, identity, requestId });
    return reply.code(answer.status).send({ ok: true, ...answer.body, requestId });
  } catch (err) {
    return answerRefusal(db, req, reply, err, { requestId, action: spec.action, identity, runKnown: false, request });
  }
}
