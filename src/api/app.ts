/**
 * The operators' HTTP API (`drillbook serve`): the one entry point for people, in front of Temporal and
 * the audit trail. Every human action is authenticated, authorised against the user's roles and the
 * runbook's rules, written to the audit trail with the identity (refused attempts too), signed with the
 * front door's key (src/security/action-signer.ts), and only then sent to the workflow as an Update,
 * whose synchronous validator verifies the signature (and the runbook's rules) as the second line.
 *
 * Routes (JSON; `Authorization: Bearer <token>`, or the console's session cookie with X-CSRF-Token on
 * changes, on all but /api/health and /api/session):
 *   GET  /api/health                                   liveness
 *   POST|GET|DELETE /api/session                       the console's sign-in, who is signed in, sign-out (routes/session.ts)
 *   GET  /console/…                                    the console's pages (console.ts)
 *   GET  /api/me                                       who the token belongs to
 *   POST /api/runs                                     start a run (operator) { runbook, file?, mode, params?, reason, readinessOverride? };
 *                                                      a real one from a registered runbook, its services free; a not-ready one only with an override
 *   GET  /api/runs/:runId                              live progress (from the audit trail once Temporal forgot it)
 *   GET  /api/runs/:runId/events                       the run's audit events
 *   GET  /api/runs[/stream], /api/runs/:runId/view|stream   the console's list and run page, live (routes/run-views.ts)
 *   POST /api/runs/:runId/steps/:stepId/confirm        manual step { evidence, note? }
 *   POST /api/runs/:runId/steps/:stepId/approve        approval { comment? }
 *   POST /api/runs/:runId/steps/:stepId/decide         after a failure or a guard { decision, reason? }
 *   POST /api/runs/:runId/abort                        { reason } — compensations run
 *   POST /api/runs/:runId/terminate                    { reason } — admin; emergency stop, no compensation
 *   POST /api/runs/:runId/signoff                      { role, comment? } — an ended run; drill-owner, business-owner, independent-reviewer
 *   POST /api/campaigns, GET /api/campaigns/:id         start a campaign, its progress (routes/campaigns.ts)
 *   POST /api/campaigns/:id/phases/:phaseId/decide     { decision, reason? } on a failed phase; POST /api/campaigns/:id/abort { reason }
 *   GET  /api/runbooks, POST /api/runbooks, POST /api/runbooks/:planHash/revoke   the runbook registry (routes/runbooks.ts)
 *   POST /api/runbooks/check                           a runbook compiled, nothing stored: the console's start form (routes/runbook-check.ts)
 *   /api/findings…, /api/finding-actions…              the remediation register (routes/findings.ts)
 *   /api/users…                                        users, roles, tokens; admin (routes/users.ts)
 *   GET  /api/reports/…, /api/history?service=, /api/runs/:runId/dossier[/download]   the auditor's reads (routes/reports.ts)
 *   GET  /api/campaigns/:campaignId/dossier[/download]     a campaign's dossier (routes/reports.ts)
 *   GET  /api/programme                                schedules, next drills, blackouts, overdue (routes/programme.ts)
 *   GET  /api/readiness, POST /api/readiness/check     each registered runbook's readiness; evaluate now (routes/readiness.ts)
 *   GET  /api/roles, /api/users/:name/tokens           the access review; admin, auditor (routes/access.ts)
 *   GET  /api/openapi.json                             the OpenAPI 3 document of all of these, from their schemas (openapi.ts)
 */
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../audit/database';
import { listRunEvents } from '../audit/audit-events';
import { recordHumanAction, recordRunTerminated } from '../audit/human-actions';
import { getRun, type RunRecord } from '../audit/runs';
import { authenticate, authorize, type ActRules, type Identity } from '../auth/authenticate';
import type { HumanAction } from '../auth/roles';
import { resolveParams } from '../plan/params';
import type { Json, Plan } from '../plan/types';
import { FAILURES } from '../plan/failures';
import { evidenceFieldNames, evidenceProblem } from '../plan/evidence';
import { configuredSecretRefCheck } from '../config/secret-scope';
import { formatDiagnostic } from '../runbook/diagnostics';
import { startRun } from '../temporal/start-run';
import { isTemporalUnavailable } from '../temporal/unavailable';
import { signedInput, type ActionSigner } from '../security/action-signer';
import { abortRun, approveStep, confirmStep, decideOnFailure, getProgress } from '../plan/run-messages';
import { recordSignoff } from '../findings/signoffs';
import { signoffRefusal } from '../findings/signoff-rules';
import { AbortBody, ApproveBody, ConfirmBody, DecideBody, SignoffBody, StartBody, TerminateBody, parseBody } from './bodies';
import { ApiError, TemporalUnavailableError, toErrorAnswer } from './errors';
import { admitRun } from './admit-real-run';
import { registerRunbookRoutes } from './routes/runbooks';
import { registerFindingRoutes } from './routes/findings';
import { registerUserRoutes } from './routes/users';
import { registerReportRoutes } from './routes/reports';
import { registerProgrammeRoutes } from './routes/programme';
import { registerReadinessRoutes } from './routes/readiness';
import { registerAccessRoutes } from './routes/access';
import { CampaignParams, CampaignPhaseParams, registerCampaignRoutes } from './routes/campaigns';
import { abortCampaign, decideOnPhase } from '../plan/campaign';
import { registerSessionRoutes } from './routes/session';
import { registerRunViewRoutes } from './routes/run-views';
import { registerRunbookCheckRoute } from './routes/runbook-check';
import { registerConsole } from './console';
import { viaOf } from './audited-request';
import { apiLimitsFromEnv, type ApiLimits } from './api-limits';
import { registerFrontDoor } from './front-door';
import { earlierStart, idempotencyKeyOf, startOnce, startRequestHash } from './idempotency';
import { answerRefusal, mustRecord, recordedBody } from './refusal-record';
import { newStartAttempt, openStart, refuseStart } from './start-request';
import { gateOnReadiness, overrideOf } from './readiness-gate';
import { releaseServiceLocks } from '../real-runs/service-locks';
import { checkPathParams, RunParams, StepParams } from './path-params';
import { answers, auditedRoute, registerOpenApi } from './openapi';
import { ActAnswer, HealthAnswer, MeAnswer, RunAnswer, RunEventsAnswer, StartAnswer } from './answer-schemas';
import { IdempotencyHeaders } from './idempotency';

export interface ApiDeps {
  db: Kysely<Database>;
  temporal: Client;
  /** The task queue runs started through the API use (the workers' run queue). */
  taskQueue: string;
  /**
   * The front door's key: every action admitted (start, confirm, approve, decide, abort) is signed
   * with it, after the checks, for its run and request id; the workflow verifies it.
   */
  signer: ActionSigner;
  /** Fastify's logger (off by default: every action is in the audit trail; `serve` logs warnings and errors). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** The front door's limits; default: from the environment (api-limits.ts). */
  limits?: ApiLimits;
}

/** Run statuses after which no human action applies. */
const ENDED = new Set(['completed', 'failed', 'aborted', 'cancelled', 'terminated']);
const GUARD_PREFIX = 'guard:';

interface ActionSpec<S extends z.ZodType> {
  action: HumanAction;
  body: S;
  /** The runbook's rules for this act (step role, initiator); throws ApiError for a step that cannot take it. */
  rules?: (plan: Plan, run: RunRecord) => ActRules;
  /** Checks of the body against the plan (e.g. required evidence), after the body's shape. */
  check?: (body: z.output<S>, plan: Plan, identity: Identity, run: RunRecord) => void;
  /** The act applies to an ended run only (a sign-off), instead of an active one. */
  afterEnd?: boolean;
  /** Sends the accepted act to Temporal. */
  send: (ctx: { runId: string; body: z.output<S>; identity: Identity; requestId: string }) => Promise<void>;
}

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  const { db, temporal, signer } = deps;
  const limits = deps.limits ?? apiLimitsFromEnv();
  const app = Fastify({ logger: deps.logger ?? false, bodyLimit: limits.bodyLimit, trustProxy: limits.trustProxy });
  // Raw bodies kept for refusals, lockout, framework refusals recorded, 5xx without internal text, parse pool.
  const { parsePool } = registerFrontDoor(app, db, limits);
  // Before the routes: the document is collected from the routes registered after it.
  await registerOpenApi(app, db);
  // The console's session cookie (authenticate.ts reads it), its pages, and the CSP on every answer.
  await app.register(fastifyCookie);
  await registerConsole(app);
  registerSessionRoutes(app, { ...deps, limits });

  /**
   * The one path of every human action on a run: authenticate → the run → authorise (roles and the
   * runbook's rules) → the run still active → the body → record `action.requested` → send the Update.
   * Any refusal, here or by the workflow's validator, is recorded as `action.refused` and answered.
   */
  async function act<S extends z.ZodType>(req: FastifyRequest, reply: FastifyReply, runId: string, stepId: string | undefined, spec: ActionSpec<S>) {
    const requestId = randomUUID();
    let identity: Identity | undefined;
    let run: RunRecord | undefined;
    let request: Json | undefined;
    try {
      identity = await authenticate(db, req);
      checkPathParams({ runId, stepId });
      run = await getRun(db, runId);
      if (!run) throw new ApiError(404, 'run_not_found', `no run ${runId}`);
      const plan = run.plan as unknown as Plan;
      authorize(identity, spec.action, spec.rules?.(plan, run) ?? {});
      const ended = ENDED.has(run.status) || Boolean(run.endedAt);
      if (spec.afterEnd && !ended) throw new ApiError(409, FAILURES.RunNotActive, `run ${runId} has not ended (${run.status}): ${spec.action} waits for its outcome`);
      if (!spec.afterEnd && ended) throw new ApiError(409, FAILURES.RunNotActive, `run ${runId} has ended (${run.status}); it takes no more actions`);
      const body = parseBody(spec.body, req.body);
      request = recordedBody(body);
      spec.check?.(body, plan, identity, run);
      await mustRecord(recordHumanAction(db, { requestId, outcome: 'requested', action: spec.action, actor: identity.name, roles: identity.roles, runId, runKnown: true, stepId, request, details: viaOf(identity) }));
      await spec.send({ runId, body, identity, requestId }).catch((err: unknown) => {
        throw isTemporalUnavailable(err) ? new TemporalUnavailableError(err) : err;
      });
      return reply.code(200).send({ ok: true, action: spec.action, runId, ...(stepId ? { stepId } : {}), requestId });
    } catch (err) {
      return answerRefusal(db, req, reply, err, { requestId, action: spec.action, identity, runId, runKnown: Boolean(run), stepId, request });
    }
  }

  const handle = (runId: string) => temporal.workflow.getHandle(runId);
  /** A human act's route options: its path parameters, its body and every answer it can get. */
  const actRoute = (summary: string, params: z.ZodType, body: z.ZodType) => auditedRoute(summary, body, { status: 200, schema: ActAnswer }, params);

  app.get('/api/health', { schema: { summary: 'liveness', security: [], response: { 200: HealthAnswer } } }, async () => ({ ok: true }));

  registerRunbookRoutes(app, { db, parsePool });
  registerRunbookCheckRoute(app, { db, parsePool });

  app.get('/api/me', { schema: { summary: 'who the token belongs to', response: answers({ status: 200, schema: MeAnswer }, []) } }, async (req, reply) => {
    try {
      const identity = await authenticate(db, req);
      return { name: identity.name, roles: identity.roles };
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  });

  const runRead = (summary: string, schema: z.ZodType, refusals: (400 | 403 | 404)[]) => ({ schema: { summary, params: RunParams, response: answers({ status: 200, schema }, refusals) } });

  app.get<{ Params: { runId: string } }>('/api/runs/:runId', runRead("a run's live progress (from the audit trail once Temporal forgot it)", RunAnswer, [400, 403, 404]), async (req, reply) => {
    try {
      const identity = await authenticate(db, req);
      authorize(identity, 'read');
      const { runId } = req.params;
      checkPathParams({ runId });
      try {
        const progress = await handle(runId).query(getProgress);
        // The verdict, once the trail has the run's outcome: a follower's exit code needs it.
        const verdict = progress.endedAt ? ((await getRun(db, runId))?.verdict ?? null) : null;
        return { source: 'temporal', progress, verdict };
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      const run = await getRun(db, runId);
      if (!run) throw new ApiError(404, 'run_not_found', `no run ${runId}`);
      const { plan: _plan, params: _params, ...summary } = run;
      return { source: 'audit', run: summary };
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  });

  app.get<{ Params: { runId: string } }>('/api/runs/:runId/events', runRead("the run's audit events", RunEventsAnswer, [400, 403]), async (req, reply) => {
    try {
      authorize(await authenticate(db, req), 'read');
      checkPathParams({ runId: req.params.runId });
      const events = await listRunEvents(db, req.params.runId);
      return { events: events.map(({ body: _body, ...e }) => e) };
    } catch (err) {
      const answer = toErrorAnswer(err);
      return reply.code(answer.status).send(answer.body);
    }
  });

  app.post<{ Params: { runId: string; stepId: string } }>('/api/runs/:runId/steps/:stepId/confirm', actRoute('confirm a manual step, with its evidence', StepParams, ConfirmBody), (req, reply) => {
    const { runId, stepId } = req.params;
    return act(req, reply, runId, stepId, {
      action: 'confirm',
      body: ConfirmBody,
      rules: (plan) => {
        const step = stepOf(plan, stepId, 'manual');
        return { stepId, stepRole: step.kind === 'manual' ? (step.role ?? 'operator') : undefined };
      },
      check: (body, plan) => {
        const step = stepOf(plan, stepId, 'manual');
        if (step.kind !== 'manual') return;
        const problem = evidenceProblem(step.evidenceFields, body.evidence);
        if (problem?.kind === 'unknown') {
          const [name] = problem.names;
          throw new ApiError(400, 'invalid_body', `evidence.${name}: step "${stepId}" has no such evidence field (fields: ${evidenceFieldNames(step.evidenceFields)})`, `evidence.${name}`);
        }
        if (problem?.kind === 'missing') {
          const [missing] = problem.fields;
          throw new ApiError(400, FAILURES.EvidenceMissing, `evidence.${missing.name}: required by step "${stepId}"${missing.description ? ` (${missing.description})` : ''}`, `evidence.${missing.name}`);
        }
      },
      send: ({ runId, body, identity, requestId }) =>
        handle(runId).executeUpdate(confirmStep, {
          args: [signedInput(signer, 'confirm', runId, { stepId, actor: identity.name, evidence: body.evidence, note: body.note }, requestId)],
          updateId: requestId,
        }),
    });
  });

  app.post<{ Params: { runId: string; stepId: string } }>('/api/runs/:runId/steps/:stepId/approve', actRoute("approve an approval step (four-eyes: never the run's initiator)", StepParams, ApproveBody), (req, reply) => {
    const { runId, stepId } = req.params;
    return act(req, reply, runId, stepId, {
      action: 'approve',
      body: ApproveBody,
      rules: (plan, run) => {
        const step = stepOf(plan, stepId, 'approval');
        return { stepId, initiator: run.initiator, stepRole: step.kind === 'approval' ? step.role : undefined };
      },
      send: ({ runId, body, identity, requestId }) =>
        handle(runId).executeUpdate(approveStep, {
          args: [signedInput(signer, 'approve', runId, { stepId, actor: identity.name, roles: identity.roles, comment: body.comment }, requestId)],
          updateId: requestId,
        }),
    });
  });

  app.post<{ Params: { runId: string; stepId: string } }>('/api/runs/:runId/steps/:stepId/decide', actRoute('decide after a failed step or a violated guard (`guard:<id>`)', StepParams, DecideBody), (req, reply) => {
    const { runId, stepId } = req.params;
    return act(req, reply, runId, stepId, {
      action: 'decide',
      body: DecideBody,
      rules: (plan) => {
        const known = stepId.startsWith(GUARD_PREFIX)
          ? (plan.guards ?? []).some((g) => GUARD_PREFIX + g.id === stepId)
          : plan.steps.some((s) => s.id === stepId);
        if (!known) throw new ApiError(404, 'step_not_found', `run has no step or guard "${stepId}"`);
        return { stepId };
      },
      send: ({ runId, body, identity, requestId }) =>
        handle(runId).executeUpdate(decideOnFailure, {
          args: [signedInput(signer, 'decide', runId, { stepId, decision: body.decision, reason: body.reason, actor: identity.name }, requestId)],
          updateId: requestId,
        }),
    });
  });

  app.post<{ Params: { runId: string } }>('/api/runs/:runId/abort', actRoute('abort a run: its compensations run', RunParams, AbortBody), (req, reply) =>
    act(req, reply, req.params.runId, undefined, {
      action: 'abort',
      body: AbortBody,
      send: ({ runId, body, identity, requestId }) =>
        handle(runId).executeUpdate(abortRun, { args: [signedInput(signer, 'abort', runId, { reason: body.reason, actor: identity.name }, requestId)], updateId: requestId }),
    }),
  );

  // A campaign's acts: a decision on its paused phase, and abort (forwarded to the running phase).
  const campaignPhaseOf = (plan: Plan, phaseId: string) => {
    const campaign = plan as unknown as { kind?: string; phases?: { id: string }[] };
    if (campaign.kind !== 'campaign') throw new ApiError(404, 'run_not_found', 'not a campaign');
    if (phaseId && !campaign.phases?.some((p) => p.id === phaseId)) throw new ApiError(404, 'step_not_found', `campaign has no phase "${phaseId}"`);
    return { stepId: phaseId || undefined };
  };
  app.post<{ Params: { campaignId: string; phaseId: string } }>('/api/campaigns/:campaignId/phases/:phaseId/decide', actRoute("decide on a campaign's failed phase: retry, skip or abort", CampaignPhaseParams, DecideBody), (req, reply) =>
    act(req, reply, req.params.campaignId, req.params.phaseId, {
      action: 'decide',
      body: DecideBody,
      rules: (plan) => campaignPhaseOf(plan, req.params.phaseId),
      send: ({ runId, body, identity, requestId }) =>
        handle(runId).executeUpdate(decideOnPhase, {
          args: [signedInput(signer, 'decide', runId, { stepId: req.params.phaseId, decision: body.decision, reason: body.reason, actor: identity.name }, requestId)],
          updateId: requestId,
        }),
    }),
  );
  app.post<{ Params: { campaignId: string } }>('/api/campaigns/:campaignId/abort', actRoute('abort a campaign: its running phase is aborted (its compensations run), no later phase starts', CampaignParams, AbortBody), (req, reply) =>
    act(req, reply, req.params.campaignId, undefined, {
      action: 'abort',
      body: AbortBody,
      rules: (plan) => campaignPhaseOf(plan, ''),
      send: ({ runId, body, identity, requestId }) =>
        handle(runId).executeUpdate(abortCampaign, { args: [signedInput(signer, 'abort', runId, { reason: body.reason, actor: identity.name }, requestId)], updateId: requestId }),
    }),
  );
  registerCampaignRoutes(app, { ...deps, parsePool });

  app.post<{ Params: { runId: string } }>('/api/runs/:runId/terminate', actRoute('terminate a run (admin): an emergency stop, no compensation', RunParams, TerminateBody), (req, reply) =>
    act(req, reply, req.params.runId, undefined, {
      action: 'terminate',
      body: TerminateBody,
      send: async ({ runId, body, identity, requestId }) => {
        await handle(runId).terminate(`terminated by ${identity.name}: ${body.reason}`);
        await recordRunTerminated(db, { runId, requestId, actor: identity.name, reason: body.reason });
      },
    }),
  );

  app.post<{ Params: { runId: string } }>('/api/runs/:runId/signoff', actRoute('sign off an ended run (drill-owner, business-owner, independent-reviewer)', RunParams, SignoffBody), (req, reply) =>
    act(req, reply, req.params.runId, undefined, {
      action: 'signoff',
      body: SignoffBody,
      afterEnd: true,
      check: (body, _plan, identity, run) => {
        const refusal = signoffRefusal(body.role, identity, run);
        if (refusal) throw new ApiError(403, 'forbidden', refusal, 'role');
      },
      send: async ({ runId, body, identity, requestId }) => {
        await recordSignoff(db, { runId, role: body.role, signer: identity.name, comment: body.comment ?? null, requestId, signedAt: new Date() });
      },
    }),
  );

  const start = auditedRoute(
    'start a run (operator): a drill from any valid runbook; a real one (failover, failback) from a registered runbook version, its services free',
    StartBody,
    { status: 201, schema: StartAnswer },
    undefined,
    [403, 409, 422],
  );
  app.post(
    '/api/runs',
    { schema: { ...start.schema, headers: IdempotencyHeaders } },
    async (req, reply) => {
    const attempt = newStartAttempt();
    const { requestId } = attempt;
    try {
      const { identity, body } = await openStart(db, req, attempt, StartBody, (b) => ({ file: b.file, mode: b.mode, params: b.params, reason: b.reason, ...overrideOf(b) }));
      const idempotencyKey = idempotencyKeyOf(req.headers);
      const { plan, planHash, diagnostics } = await parsePool.load(body.runbook, body.file);
      if (!plan || !planHash) {
        const errors = diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
        throw new ApiError(400, 'runbook_invalid', errors.join('\n'), 'runbook');
      }
      if (!plan.modes.includes(body.mode)) throw new ApiError(400, 'invalid_body', `mode: "${body.mode}" is not one of the runbook's modes (${plan.modes.join(', ')})`, 'mode');
      const { values, errors } = resolveParams(plan, body.params, { checkSecretRef: configuredSecretRefCheck() });
      if (errors.length) throw new ApiError(400, 'invalid_body', errors.map((e) => `params: ${e}`).join('; '), 'params');
      const initiator = identity.name;
      // A retry with the same Idempotency-Key and request gets the run its first attempt started (before any admission).
      const requestHash = idempotencyKey ? startRequestHash({ runbook: body.runbook, file: body.file, mode: body.mode, params: body.params, reason: body.reason }) : '';
      const earlier = idempotencyKey ? await earlierStart(db, initiator, idempotencyKey, requestHash) : undefined;
      if (earlier) return reply.code(201).send({ ok: true, runId: earlier.runId, planHash: earlier.planHash, requestId: earlier.requestId, replayed: true });
      // A runbook whose pre-checks last failed starts only with an override, recorded (docs/readiness.md).
      await gateOnReadiness(db, [plan.runbook.name], body.readinessOverride, { actor: initiator, requestId });
      // A real run: a registered runbook version, and its services free (locked until it ends).
      const admitted = await admitRun({ db, temporal }, { plan, planHash, mode: body.mode, actor: initiator });
      const request = recordedBody({ file: body.file, mode: body.mode, params: body.params, reason: body.reason, ...overrideOf(body), runId: admitted.runId, planHash });
      attempt.request = request;
      // Recorded inside the start: if the trail cannot take it, nothing starts and the locks are released.
      const begin = () =>
        admitted.start(async (workflowId) => {
          await mustRecord(recordHumanAction(db, { requestId, outcome: 'requested', action: 'start', actor: initiator, roles: identity.roles, runKnown: false, request }));
          return (await startRun(temporal, { plan, planHash, mode: body.mode, params: values, initiator, reason: body.reason, taskQueue: deps.taskQueue }, { workflowId, signer, requestId })).workflowId;
        });
      if (!idempotencyKey) return reply.code(201).send({ ok: true, runId: await begin(), planHash, requestId });
      const outcome = await startOnce(db, { user: initiator, key: idempotencyKey, requestHash, runId: admitted.runId, planHash, requestId }, () => begin().then(() => undefined));
      // A concurrent attempt with the same key started the run: this one's admission is not used.
      if (outcome.runId !== admitted.runId) await releaseServiceLocks(db, admitted.runId);
      return reply.code(201).send({ ok: true, runId: outcome.runId, planHash: outcome.planHash, requestId: outcome.requestId, ...(outcome.replayed ? { replayed: true } : {}) });
    } catch (err) {
      return refuseStart(db, req, reply, attempt, err);
    }
  },
  );

  registerFindingRoutes(app, deps);
  registerUserRoutes(app, deps);
  registerReportRoutes(app, deps);
  registerProgrammeRoutes(app, deps);
  registerReadinessRoutes(app, deps);
  registerAccessRoutes(app, deps);
  registerRunViewRoutes(app, {
    db,
    progress: async (runId) => {
      try {
        return await handle(runId).query(getProgress);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return undefined;
        throw err;
      }
    },
  });
  return app;
}

/** The plan's step `stepId`, which must be of `kind`. @throws ApiError 404 (no such step) or 409 (another kind). */
function stepOf(plan: Plan, stepId: string, kind: 'manual' | 'approval') {
  const step = plan.steps.find((s) => s.id === stepId);
  if (!step) throw new ApiError(404, 'step_not_found', `run has no step "${stepId}"`);
  if (step.kind !== kind) throw new ApiError(409, FAILURES.StepNotWaiting, `step "${stepId}" is a ${step.kind} step, not ${kind === 'manual' ? 'a manual' : 'an approval'} step`);
  return step;
}
