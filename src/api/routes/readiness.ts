/**
 * Continuous readiness over the API (docs/readiness.md):
 *
 *   GET  /api/readiness          each registered runbook's readiness: service, state (ready, not-ready,
 *                                unknown), since, why (the failing pre-check and its output), last
 *                                evaluated (read: every signed-in role, the auditor's too)
 *   POST /api/readiness/check    evaluate now (operator, admin) { service? }: a `readinessCheck` per
 *                                service (default: every service of a registered runbook), waited for
 *                                up to 60 s; audited, refusals too
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordHumanAction } from '../../audit/human-actions';
import { authenticate, authorize, type Identity } from '../../auth/authenticate';
import type { Json } from '../../plan/types';
import { readinessStates } from '../../readiness/query';
import { READINESS_STATES } from '../../readiness/tables';
import { listRegistrations } from '../../real-runs/registrations';
import { checkReadinessNow } from '../../temporal/readiness-check';
import type { ApiDeps } from '../app';
import { viaOf } from '../audited-request';
import { parseBody } from '../bodies';
import { ApiError } from '../errors';
import { answers, auditedRoute } from '../openapi';
import { behindGate } from '../read-gate';
import { answerRefusal, mustRecord, recordedBody } from '../refusal-record';

/** How long POST /api/readiness/check waits for the evaluations before answering with what it has. */
const CHECK_WAIT_MS = 60_000;

export const CheckReadinessBody = z.strictObject({
  service: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/, 'a service name is lowercase letters, digits, ".", "_" and "-"')
    .max(200)
    .optional()
    .describe('only this service; default: every service of a registered runbook'),
});

const Why = z.union([z.looseObject({ check: z.string(), output: z.string() }), z.looseObject({ reason: z.string() })]).nullable();
const RunbookReadinessAnswer = z.looseObject({
  service: z.string(),
  runbook: z.string(),
  planHash: z.string(),
  state: z.enum(READINESS_STATES),
  since: z.string(),
  why: Why,
  lastEvaluatedAt: z.string(),
});
export const ReadinessAnswer = z.looseObject({ runbooks: z.array(RunbookReadinessAnswer) });
const CheckReadinessAnswer = z.looseObject({
  checks: z.array(
    z.looseObject({
      service: z.string(),
      workflowId: z.string(),
      finished: z.boolean(),
      runbooks: z.array(z.looseObject({ runbook: z.string(), planHash: z.string(), state: z.enum(READINESS_STATES), changed: z.boolean() })),
    }),
  ),
  runbooks: z.array(RunbookReadinessAnswer),
  requestId: z.string(),
});

export function registerReadinessRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'db' | 'temporal' | 'taskQueue'>): void {
  const { db } = deps;

  app.get(
    '/api/readiness',
    { schema: { summary: "each registered runbook's readiness: state, since when, why, last evaluated", response: answers({ status: 200, schema: ReadinessAnswer }, [403]) } },
    behindGate(db, async () => ({ runbooks: await readinessStates(db) })),
  );

  app.post('/api/readiness/check', auditedRoute('evaluate readiness now (operator, admin): the pre-checks of each registered runbook of a service', CheckReadinessBody, { status: 200, schema: CheckReadinessAnswer }, undefined, [403, 404]), async (req, reply) => {
    const requestId = randomUUID();
    let identity: Identity | undefined;
    let request: Json | undefined;
    try {
      identity = await authenticate(db, req);
      authorize(identity, 'checkReadiness');
      const body = parseBody(CheckReadinessBody, req.body);
      request = recordedBody(body);
      const registered = [...new Set((await listRegistrations(db)).filter((r) => r.status === 'registered').flatMap((r) => r.services))].sort();
      const services = body.service ? [body.service] : registered;
      if (body.service && !registered.includes(body.service)) throw new ApiError(404, 'service_not_found', `service: no registered runbook drills "${body.service}" (see drillbook runbook list)`, 'service');
      await mustRecord(recordHumanAction(db, { requestId, outcome: 'requested', action: 'check-readiness', actor: identity.name, roles: identity.roles, runKnown: false, request, details: viaOf(identity) }));
      const outcomes = await checkReadinessNow(deps.temporal, services, { runQueue: deps.taskQueue, waitMs: CHECK_WAIT_MS });
      return {
        checks: outcomes.map((o) => ({ service: o.service, workflowId: o.workflowId, finished: !!o.result, runbooks: o.result?.runbooks ?? [] })),
        runbooks: await readinessStates(db),
        requestId,
      };
    } catch (err) {
      return answerRefusal(db, req, reply, err, { requestId, action: 'check-readiness', identity, runKnown: false, request });
    }
  });
}
