/**
 * The runbook registry over the API: which runbook versions (plan hashes) may run for real.
 *
 *   GET  /api/runbooks                      every registered (and revoked) version (read)
 *   POST /api/runbooks                      register one for real use (admin) { runbook, file?, reason } → planHash
 *   POST /api/runbooks/:planHash/revoke     revoke it (admin) { reason }; the hash, or a unique prefix of 8+ hex digits
 *
 * Registrations and revocations are written with their audit event on the `runbooks` chain; a refused
 * attempt is recorded as `action.refused` on the `api` chain, with who asked.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../audit/database';
import { authenticate, authorize, type Identity } from '../../auth/authenticate';
import type { Json } from '../../plan/types';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { isRealMode, REAL_MODES } from '../../real-runs/real-modes';
import { listRegistrations, registerRunbook, RegistryError, revokeRunbook, type RunbookRegistration } from '../../real-runs/registrations';
import { parseBody } from '../bodies';
import { ApiError, toErrorAnswer } from '../errors';
import { answerRefusal } from '../refusal-record';
import { answers, auditedRoute } from '../openapi';
import { RunbookChangeAnswer, RunbooksAnswer } from '../answer-schemas';
import type { RunbookParsePool } from '../runbook-parse-pool';

const Reason = z.string().trim().min(1, 'a reason is required').max(2000);

export const RegisterRunbookBody = z.strictObject({
  /** The runbook's YAML text: the server validates and compiles it, so the hash registered is the one checked. */
  runbook: z.string().min(1).max(1_000_000),
  file: z.string().min(1).max(500).default('runbook.yaml'),
  reason: Reason,
});

export const RevokeRunbookBody = z.strictObject({ reason: Reason });

export function registerRunbookRoutes(app: FastifyInstance, deps: { db: Kysely<Database>; parsePool: RunbookParsePool }): void {
  const { db, parsePool } = deps;

  /** Authenticates and authorises an admin's registry change; records a refusal with who asked. */
  async function change(req: FastifyRequest, reply: FastifyReply, action: 'register-runbook' | 'revoke-runbook', fn: (identity: Identity, requestId: string) => Promise<{ status: number; body: Record<string, unknown> }>) {
    const requestId = randomUUID();
    let identity: Identity | undefined;
    try {
      identity = await authenticate(db, req);
      authorize(identity, 'manageRunbooks');
      const { status, body } = await fn(identity, requestId);
      return reply.code(status).send({ ...body, requestId });
    } catch (err) {
      return answerRefusal(db, req, reply, err instanceof RegistryError ? toApiError(err) : err, { requestId, action, identity, runKnown: false, request: recorded(req) });
    }
  }

  app.get('/api/runbooks', { schema: { summary: 'every registered (and revoked) runbook version', response: answers({ status: 200, schema: RunbooksAnswer }, [403]) } }, async (req, reply) => {
    try {
      authorize(await authenticate(db, req), 'read');
      return { runbooks: (await listRegistrations(db)).map(toAnswer) };
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  });

  app.post(
    '/api/runbooks',
    auditedRoute('register a runbook version for real runs (admin)', RegisterRunbookBody, { status: 201, schema: RunbookChangeAnswer }, undefined, [403, 409]),
    (req, reply) =>
    change(req, reply, 'register-runbook', async (identity, requestId) => {
      const body = parseBody(RegisterRunbookBody, req.body);
      // Off the event loop, as for a start (src/api/runbook-parse-pool.ts).
      const { plan, planHash, diagnostics } = await parsePool.load(body.runbook, body.file);
      if (!plan || !planHash) {
        const errors = diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
        throw new ApiError(400, 'runbook_invalid', errors.join('\n'), 'runbook');
      }
      if (!plan.modes.some(isRealMode)) {
        throw new ApiError(400, 'runbook_not_real', `${body.file}: modes: the runbook has no real mode (${REAL_MODES.join(', ')}) to register it for; drills run any valid runbook`, 'runbook');
      }
      const registration = await registerRunbook(db, { plan, planHash, file: body.file, reason: body.reason, actor: identity.name, requestId });
      return { status: 201, body: { ok: true, planHash, runbook: toAnswer(registration) } };
    }),
  );

  app.post<{ Params: { planHash: string } }>(
    '/api/runbooks/:planHash/revoke',
    auditedRoute(
      'revoke a registered runbook version (admin)',
      RevokeRunbookBody,
      { status: 200, schema: RunbookChangeAnswer },
      z.object({ planHash: z.string().min(1).describe('the plan hash, or a unique prefix of 8+ hex digits') }),
    ),
    (req, reply) =>
    change(req, reply, 'revoke-runbook', async (identity, requestId) => {
      const body = parseBody(RevokeRunbookBody, req.body);
      const registration = await revokeRunbook(db, { planHash: req.params.planHash, reason: body.reason, actor: identity.name, requestId });
      return { status: 200, body: { ok: true, planHash: registration.planHash, runbook: toAnswer(registration) } };
    }),
  );
}

function toApiError(err: RegistryError): ApiError {
  if (err.kind === 'not-found') return new ApiError(404, 'runbook_not_found', err.message, err.field);
  if (err.kind === 'conflict') return new ApiError(409, err.field === 'runbook' ? 'runbook_already_registered' : 'runbook_already_revoked', err.message, err.field);
  return new ApiError(400, 'invalid_body', err.message, err.field);
}

function toAnswer(r: RunbookRegistration) {
  const entry = (e: RunbookRegistration['registered'] | null) => e && { by: e.actor, at: e.at.toISOString(), reason: e.reason, requestId: e.requestId };
  return { planHash: r.planHash, runbook: r.runbook, version: r.version, services: r.services, modes: r.modes, file: r.file, status: r.status, registered: entry(r.registered), revoked: entry(r.revoked) };
}

/** What the refusal record keeps of the request: the reason, file and hash, never the whole runbook text. */
function recorded(req: FastifyRequest<any>): Json {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 2000) : null);
  return { file: text(body.file), reason: text(body.reason), planHash: text((req.params as Record<string, unknown> | undefined)?.planHash) };
}
