/**
 * `scheduledCampaign`: what a campaign schedule's action starts (docs/campaigns.md, "Scheduling"). As
 * `scheduledDrill` does for a run: it checks the schedule's grant, holds the campaign back while a
 * blackout window is in force (a durable timer until the window ends, the deferral recorded in the
 * campaign's trail as `drill.deferred`), then runs `runCampaign` with the campaign pinned in the
 * schedule as a child (id `campaign-<name>-<8 hex>`, initiator `schedule:<id>`), whose phases start
 * with the schedule's grants of them. It fails when the campaign does not pass, so a schedule with
 * pauseOnFailure stops until someone looks.
 */
import { ApplicationFailure, ParentClosePolicy, proxyLocalActivities, sleep, startChild, uuid4 } from '@temporalio/workflow';
import type { StepActivities } from '../activities/step-activities';
import { deferralEnd } from '../src/plan/blackout';
import { campaignServices } from '../src/plan/campaign';
import type { ScheduledCampaignInput, ScheduledCampaignResult } from '../src/plan/programme';
import { campaignSearchAttributes } from '../src/plan/search-attributes';
import { verifyScheduledCampaignStart } from '../src/plan/signed-actions';
import { runCampaign } from './campaign/campaign';
import { verifiedBy } from './start-verification';

const auditWriter = proxyLocalActivities<StepActivities>({
  startToCloseTimeout: '30s',
  // The deferral must reach the trail: retry until the database answers (the write is keyed, idempotent).
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

export async function scheduledCampaign(input: ScheduledCampaignInput): Promise<ScheduledCampaignResult> {
  const { campaign } = input;
  // A campaign's id, as one a person starts gets (uuid4 is the workflow's: the same in every replay).
  const campaignId = `campaign-${campaign.campaign.name}-${uuid4().replace(/-/g, '').slice(0, 8)}`;
  // Checked before the deferral writes into the campaign's chain: a wrapper started around the
  // schedule (straight on Temporal) with a grant that does not verify writes nothing there.
  await verifiedBy((trusted) => verifyScheduledCampaignStart(trusted, campaign), campaignId, {
    initiator: String(campaign?.initiator ?? ''),
    planHash: String(campaign?.campaignHash ?? ''),
    mode: String(campaign?.mode ?? ''),
    runbook: String(campaign?.campaign?.name ?? ''),
    keyId: typeof campaign?.auth?.keyId === 'string' ? campaign.auth.keyId : null,
  });
  const dueAt = Date.now();
  const deferral = deferralEnd(input.blackouts, dueAt);
  if (deferral) {
    const at = new Date(dueAt).toISOString();
    await auditWriter.appendAuditEvents([
      {
        key: `${campaignId}/-/drill/deferred`,
        runId: campaignId,
        type: 'drill.deferred',
        actor: campaign.initiator,
        at,
        data: {
          services: campaignServices(campaign.phases),
          scheduleId: input.scheduleId,
          dueAt: at,
          deferredUntil: new Date(deferral.untilMs).toISOString(),
          blackouts: deferral.windows,
          campaign: campaign.campaign.name,
          campaignHash: campaign.campaignHash,
        },
      },
    ]);
    await sleep(deferral.untilMs - dueAt);
  }

  const child = await startChild(runCampaign, {
    workflowId: campaignId,
    taskQueue: campaign.taskQueue,
    args: [campaign],
    // A campaign half done must finish (or unwind) on its own, even if this wrapper is terminated.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
    typedSearchAttributes: campaignSearchAttributes(campaign),
  });
  const result = await child.result();
  const outcome: ScheduledCampaignResult = {
    campaignId,
    deferredUntil: deferral ? new Date(deferral.untilMs).toISOString() : undefined,
    state: result.state,
    verdict: result.verdict,
  };
  if (result.verdict !== 'pass') {
    // Non-retryable: the campaign happened; running it again is a decision for people.
    throw ApplicationFailure.create({
      message: `scheduled campaign ${campaignId} ended ${result.state} with verdict ${result.verdict}`,
      type: 'ScheduledCampaignNotPassed',
      nonRetryable: true,
      details: [outcome],
    });
  }
  return outcome;
}
