/**
 * The remediation register through the API (`drillbook finding …`): the author of every change is the
 * token's user, each role may do what src/auth/roles.ts says, and every attempt is audited like the
 * run actions (`action.requested` / `action.refused`); the change itself is the register's own event
 * on the `findings` chain (src/findings/register.ts).
 *
 *   GET  /api/findings[?runId=]                         any role     the register (current revisions)
 *   POST /api/findings                                  operator, approver, auditor   raise
 *   POST /api/findings/:findingId/revisions             operator, auditor (closing: auditor)   revise
 *   POST /api/findings/:findingId/actions               operator     add a remediation action
 *   POST /api/finding-actions/:actionId/revisions       operator     update an action
 *   POST /api/findings/:findingId/risk-acceptances      approver     accept the risk (the approver is the caller)
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { authenticate, authorize } from '../../auth/authenticate';
import { FindingInputError } from '../../findings/errors';
import {
  AcceptRiskInput,
  AddActionInput,
  RaiseFindingInput,
  ReviseFindingInput,
  UpdateActionInput,
  acceptRisk,
  addAction,
  raiseFinding,
  readRegister,
  reviseFinding,
  updateAction,
} from '../../findings/register';
import type { ApiDeps } from '../app';
import { auditedRequest } from '../audited-request';
import { ApiError, toErrorAnswer } from '../errors';
import { answers, auditedRoute } from '../openapi';
import { checkPathParams } from '../path-params';
import { FindingActionAnswer, FindingAnswer, RegisterAnswer, RiskAcceptanceAnswer } from '../answer-schemas';

const RaiseBody = RaiseFindingInput.omit({ actor: true, at: true });
const ReviseBody = ReviseFindingInput.omit({ findingId: true, actor: true, at: true });
const AddActionBody = AddActionInput.omit({ findingId: true, actor: true, at: true });
const UpdateActionBody = UpdateActionInput.omit({ actionId: true, actor: true, at: true });
const AcceptRiskBody = AcceptRiskInput.omit({ findingId: true, approver: true, actor: true, at: true, expiresAt: true }).extend({
  expiresAt: z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO date or date-time'),
});

/** The register's refusal, in the API's terms: the field at fault, and 404/409 where it says so. */
async function inRegister<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!(err instanceof FindingInputError)) throw err;
    const status = err.kind === 'not-found' ? 404 : err.kind === 'conflict' ? 409 : 400;
    throw new ApiError(status, status === 400 ? 'invalid_body' : status === 404 ? 'not_found' : 'conflict', err.message, err.field);
  }
}

const FindingParams = z.object({ findingId: z.string().min(1) });
const ActionParams = z.object({ actionId: z.string().min(1) });

/** A register change's route options: every change answers 201. */
const change = (summary: string, params: z.ZodType | undefined, body: z.ZodType, ok: z.ZodType) => auditedRoute(summary, body, { status: 201, schema: ok }, params);

export function registerFindingRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;

  app.get<{ Querystring: { runId?: string } }>(
    '/api/findings',
    {
      schema: {
        summary: 'the register: the current revision of every finding and action, and the risk acceptances',
        querystring: z.object({ runId: z.string().optional().describe("only this run's findings") }),
        response: answers({ status: 200, schema: RegisterAnswer }, [400, 403]),
      },
    },
    async (req, reply) => {
    try {
      authorize(await authenticate(db, req), 'read');
      const runId = typeof req.query.runId === 'string' && req.query.runId ? req.query.runId : undefined;
      checkPathParams({ runId });
      return await readRegister(db, { runId });
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  },
  );

  app.post('/api/findings', change('raise a finding (operator, approver, auditor)', undefined, RaiseBody, FindingAnswer), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'raiseFinding',
      body: RaiseBody,
      perform: async ({ body, identity }) => ({ status: 201, body: { finding: await inRegister(() => raiseFinding(db, { ...body, actor: identity.name })) } }),
    }),
  );

  app.post<{ Params: { findingId: string } }>('/api/findings/:findingId/revisions', change('revise a finding (closing it: an auditor)', FindingParams, ReviseBody, FindingAnswer), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'reviseFinding',
      body: ReviseBody,
      recorded: (body) => ({ findingId: req.params.findingId, ...body }),
      // Closing is the independent check that the remediation holds: an auditor's, not the team's own.
      check: (body, identity) => {
        if (body.status === 'closed' && !identity.roles.includes('auditor')) {
          throw new ApiError(403, 'forbidden', `closing a finding needs the role "auditor"; ${identity.name} has ${identity.roles.map((r) => `"${r}"`).join(', ') || 'no role'}`, 'status');
        }
      },
      perform: async ({ body, identity }) => ({
        status: 201,
        body: { finding: await inRegister(() => reviseFinding(db, { ...body, findingId: req.params.findingId, actor: identity.name })) },
      }),
    }),
  );

  app.post<{ Params: { findingId: string } }>('/api/findings/:findingId/actions', change('add a remediation action (operator)', FindingParams, AddActionBody, FindingActionAnswer), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'manageFindingActions',
      body: AddActionBody,
      recorded: (body) => ({ findingId: req.params.findingId, ...body }),
      perform: async ({ body, identity }) => ({
        status: 201,
        body: { action: await inRegister(() => addAction(db, { ...body, findingId: req.params.findingId, actor: identity.name })) },
      }),
    }),
  );

  app.post<{ Params: { actionId: string } }>('/api/finding-actions/:actionId/revisions', change('update a remediation action (operator)', ActionParams, UpdateActionBody, FindingActionAnswer), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'manageFindingActions',
      body: UpdateActionBody,
      recorded: (body) => ({ actionId: req.params.actionId, ...body }),
      perform: async ({ body, identity }) => ({
        status: 201,
        body: { action: await inRegister(() => updateAction(db, { ...body, actionId: req.params.actionId, actor: identity.name })) },
      }),
    }),
  );

  app.post<{ Params: { findingId: string } }>('/api/findings/:findingId/risk-acceptances', change('accept the risk of a finding (approver)', FindingParams, AcceptRiskBody, RiskAcceptanceAnswer), (req, reply) =>
    auditedRequest(db, req, reply, {
      action: 'acceptRisk',
      body: AcceptRiskBody,
      recorded: (body) => ({ findingId: req.params.findingId, ...body }),
      perform: async ({ body, identity }) => ({
        status: 201,
        body: {
          acceptance: await inRegister(() =>
            acceptRisk(db, { findingId: req.params.findingId, rationale: body.rationale, expiresAt: new Date(Date.parse(body.expiresAt)), approver: identity.name, actor: identity.name }),
          ),
        },
      }),
    }),
  );
}
