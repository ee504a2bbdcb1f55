/**
 * Campaigns over the API (docs/campaigns.md):
 *
 *   POST /api/campaigns        start one (operator) { campaign, file?, runbooks, params?, reason } → campaignId
 *   GET  /api/campaigns/:id    its progress (live from Temporal; from the audit trail once Temporal forgot it)
 *
 * The client sends the campaign's YAML and each phase's runbook text, keyed by the path the campaign
 * writes (the server reads no file). Validated as `drillbook campaign validate` does, phases measured
 * against the applied inventory's targets. A campaign's decisions and abort: app.ts's campaign acts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordHumanAction } from '../../audit/human-actions';
import { authenticate, authorize } from '../../auth/authenticate';
import { configuredSecretRefCheck } from '../../config/secret-scope';
import { appliedInventoryTargets } from '../../inventory/targets';
import type { Json } from '../../plan/types';
import { campaignInput, loadCampaignText } from '../../runbook/campaign';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { campaignStatus } from '../../temporal/campaign-status';
import { startCampaign } from '../../temporal/start-campaign';
import { ApiError, toErrorAnswer } from '../errors';
import { admitCampaign } from '../admit-real-run';
import { answers, auditedRoute } from '../openapi';
import { checkPathParams } from '../path-params';
import { mustRecord } from '../refusal-record';
import type { ApiDeps } from '../app';
import { viaOf } from '../audited-request';
import type { RunbookParsePool } from '../runbook-parse-pool';
import { gateOnReadiness, overrideOf, ReadinessOverride } from '../readiness-gate';
import { newStartAttempt, openStart, refuseStart } from '../start-request';

/** At most this many phases: each phase's runbook is validated inline, in the request. */
export const MAX_CAMPAIGN_PHASES = 20;

export const StartCampaignBody = z.strictObject({
  /** The campaign's YAML text. Its size and every runbook's: DRILLBOOK_RUNBOOK_MAX_BYTES (src/runbook/limits.ts). */
  campaign: z.string().min(1),
  file: z.string().min(1).max(500).default('campaign.yaml'),
  /** Each phase's runbook text, by the path the campaign gives it. */
  runbooks: z.record(z.string().min(1).max(500), z.string()).refine((r) => Object.keys(r).length <= MAX_CAMPAIGN_PHASES, `at most ${MAX_CAMPAIGN_PHASES} runbooks`),
  /** Each goes to every phase whose runbook takes it. */
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
  reason: z.string().trim().min(1, 'a reason is required').max(2000),
  /** Start although a phase's runbook is not ready (docs/readiness.md); recorded. */
  readinessOverride: ReadinessOverride.optional(),
});

const CampaignId = z.string().min(1).describe('the campaign id (`campaign-<name>-<8 hex>`)');
export const CampaignParams = z.object({ campaignId: CampaignId });
export const CampaignPhaseParams = z.object({ campaignId: CampaignId, phaseId: z.string().min(1).describe("the phase's id in the campaign") });

const StartCampaignAnswer = z.looseObject({ ok: z.literal(true), campaignId: z.string(), campaignHash: z.string(), phases: z.array(z.string()), requestId: z.string() });

const Nullable = <T extends z.ZodType>(t: T) => t.nullable();
export const CampaignAnswer = z.looseObject({
  source: z.enum(['temporal', 'audit']),
  campaign: z.looseObject({
    campaignId: z.string(),
    campaign: z.string(),
    campaignHash: z.string(),
    state: z.string(),
    verdict: Nullable(z.string()),
    startedAt: z.string(),
    endedAt: Nullable(z.string()),
    durationMs: Nullable(z.number()),
    initiator: z.string(),
    phases: z.array(z.looseObject({ id: z.string(), state: z.string(), execution: z.number() })),
    awaitingDecision: Nullable(z.looseObject({ phaseId: z.string(), error: z.string(), since: z.string() })),
  }),
});

export function registerCampaignRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'db' | 'temporal' | 'signer' | 'taskQueue'> & { parsePool: RunbookParsePool }): void {
  const { db, temporal, signer } = deps;

  app.post('/api/campaigns', auditedRoute('start a campaign (operator): its phases run in order; real phases (failover, failback) only from registered runbooks, their services locked', StartCampaignBody, { status: 201, schema: StartCampaignAnswer }, undefined, [403, 409]), async (req, reply) => {
    const attempt = newStartAttempt();
    const { requestId } = attempt;
    try {
      const { identity, body } = await openStart(db, req, attempt, StartCampaignBody, (b) => ({ file: b.file, runbooks: Object.keys(b.runbooks), params: b.params, reason: b.reason, ...overrideOf(b) }));
      const inventory = await appliedInventoryTargets(db);
      const given = new Map(Object.entries(body.runbooks));
      // Each runbook off the event loop, as a run's (src/api/runbook-parse-pool.ts).
      const { campaign, diagnostics } = await loadCampaignText(body.campaign, body.file, {
        ...(inventory ? { inventory } : {}),
        loadRunbook: (ref) => {
          const text = given.get(ref);
          if (text !== undefined) return deps.parsePool.load(text, ref);
          return { diagnostics: [{ file: ref, line: 1, col: 1, path: [], code: 'file.unreadable', message: 'runbook not given with the campaign (runbooks)', severity: 'error' }] };
        },
      });
      if (!campaign) throw new ApiError(400, 'campaign_invalid', diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic).join('\n'), 'campaign');
      const { input, errors } = campaignInput(campaign, { params: body.params, initiator: identity.name, reason: body.reason, taskQueue: deps.taskQueue, checkSecretRef: configuredSecretRefCheck() });
      if (!input) throw new ApiError(400, 'invalid_body', errors.map((e) => `params: ${e}`).join('; '), 'params');
      // Each phase's runbook: one whose pre-checks last failed holds the campaign back unless overridden (docs/readiness.md).
      await gateOnReadiness(db, campaign.phases.map((p) => p.plan.runbook.name), body.readinessOverride, { actor: identity.name, requestId });
      // Real phases (failover, failback) are admitted as a real run: registered runbooks, services locked for the campaign.
      const admitted = await admitCampaign({ db, temporal }, { name: campaign.name, phases: campaign.phases, actor: identity.name });
      // Recorded inside the start: if the trail cannot take it, nothing starts and the locks are released.
      const handle = await admitted.start(async (campaignId) => {
        await mustRecord(recordHumanAction(db, { requestId, outcome: 'requested', action: 'start', actor: identity.name, roles: identity.roles, runKnown: false, request: { ...(attempt.request as Record<string, Json>), campaign: campaign.name, campaignHash: input.campaignHash }, details: viaOf(identity) }));
        return startCampaign(temporal, input, { signer, requestId, campaignId });
      });
      return reply.code(201).send({ ok: true, campaignId: handle.workflowId, campaignHash: input.campaignHash, phases: input.phases.map((p) => p.id), requestId });
    } catch (err) {
      return refuseStart(db, req, reply, attempt, err);
    }
  });

  app.get<{ Params: { campaignId: string } }>(
    '/api/campaigns/:campaignId',
    { schema: { summary: "a campaign's progress (from the audit trail once Temporal forgot it)", params: CampaignParams, response: answers({ status: 200, schema: CampaignAnswer }, [400, 403, 404]) } },
    async (req, reply) => {
      try {
        authorize(await authenticate(db, req), 'read');
        const { campaignId } = req.params;
        checkPathParams({ runId: campaignId });
        const answer = await campaignStatus(db, temporal, campaignId);
        if (!answer) throw new ApiError(404, 'run_not_found', `no campaign ${campaignId}`);
        return answer;
      } catch (err) {
        const answer = toErrorAnswer(err);
        return reply.code(answer.status).send(answer.body);
      }
    },
  );
}
