/** What one `runCampaign` knows, shared by its course (campaign.ts) and its handlers (handlers.ts). */
import { patched, workflowInfo, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { CampaignInput, CampaignProgress, CampaignState, PhaseRecord } from '../../src/plan/campaign';
import { campaignVerdict } from '../../src/plan/campaign';
import type { AbortRunInput, DecideOnFailureInput } from '../../src/plan/run-messages';
import type { Json } from '../../src/plan/types';
import { verifyScheduledCampaignStart, verifySignedStart, type TrustedKey } from '../../src/plan/signed-actions';
import { SCHEDULED_CAMPAIGN_PATCH } from '../run-drill/patches';
import { AuditQueue } from '../run-drill/audit-queue';
import { Signatures } from '../run-drill/signatures';
import { verifiedBy } from '../start-verification';
import type { runDrill } from '../run-drill/run-drill';

export class CampaignContext {
  readonly campaignId = workflowInfo().workflowId;
  readonly startedAt = new Date().toISOString();
  endedAt?: string;
  state: CampaignState = 'running';
  readonly phases: PhaseRecord[];
  readonly audit: AuditQueue;
  readonly signatures: Signatures;
  abortRequest?: AbortRunInput;
  /** The phase waiting for a decision (a campaign runs one phase at a time). */
  awaiting?: { phaseId: string; error: string; since: string };
  decision?: DecideOnFailureInput;
  /** The running phase's run, to forward an abort to. */
  current?: ChildWorkflowHandle<typeof runDrill>;

  constructor(readonly input: CampaignInput) {
    this.audit = new AuditQueue(this.campaignId);
    this.signatures = new Signatures(this.campaignId, input, () =>
      verifiedBy((trusted, startedMs) => startRefusal(trusted, this.campaignId, input, startedMs), this.campaignId, {
        initiator: String(input?.initiator ?? ''),
        planHash: String(input?.campaignHash ?? ''),
        mode: String(input?.mode ?? ''),
        runbook: String(input?.campaign?.name ?? ''),
        keyId: typeof input?.auth?.keyId === 'string' ? input.auth.keyId : null,
      }),
    );
    // Every new workflow verifies signatures (no runs from before signing exist).
    this.signatures.signed = true;
    this.phases = input.phases.map((p) => ({
      id: p.id,
      title: p.title,
      runbook: p.run.plan.runbook.name,
      planHash: p.run.planHash,
      mode: p.run.mode,
      state: 'pending',
      execution: 0,
      targets: p.targets,
    }));
  }

  record(type: string, phaseId: string | undefined, actor: string, data: Json, transition: string): void {
    this.audit.record(type, phaseId, actor, data, transition);
  }

  progress(): CampaignProgress {
    const ended = this.endedAt !== undefined;
    return {
      campaignId: this.campaignId,
      campaign: this.input.campaign.name,
      campaignHash: this.input.campaignHash,
      state: this.state,
      startedAt: this.startedAt,
      endedAt: this.endedAt,
      durationMs: ended ? Date.parse(this.endedAt!) - Date.parse(this.startedAt) : undefined,
      initiator: this.input.initiator,
      phases: this.phases.map((p) => ({ ...p, targets: { ...p.targets }, ...(p.figures ? { figures: { ...p.figures } } : {}) })),
      awaitingDecision: this.awaiting ? { ...this.awaiting } : undefined,
      verdict: ended ? campaignVerdict({ aborted: this.abortRequest !== undefined, phases: this.phases }) : undefined,
    };
  }
}

/** The front door's signed start of this campaign, or (started by `scheduledCampaign`) its schedule's grant. */
function startRefusal(trusted: TrustedKey[], campaignId: string, input: CampaignInput, startedMs: number): string | undefined {
  if (input?.auth?.kind === 'schedule' && patched(SCHEDULED_CAMPAIGN_PATCH)) return verifyScheduledCampaignStart(trusted, input);
  return verifySignedStart(trusted, 'campaign', campaignId, input, startedMs);
}
