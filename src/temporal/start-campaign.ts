/**
 * Starts a campaign: one `runCampaign` workflow carrying its phases' pinned runs. The front door
 * signs a grant for each phase's run (its run id is `<campaignId>.<phaseId>`, its parent the
 * campaign: a phase may start hours later) and then the campaign's start over all of it.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { CampaignInput } from '../plan/campaign';
import { campaignSearchAttributes } from '../plan/search-attributes';
import type { ActionSigner } from '../security/action-signer';
import type { runCampaign } from '../../workflows/campaign/campaign';
import { RunAlreadyActiveError } from './start-run';

/** A new, unique campaign id: `campaign-<name>-<8 hex>`. */
export function campaignIdFor(name: string): string {
  return `campaign-${name}-${randomUUID().replace(/-/g, '').slice(0, 8)}`;
}

/** The campaign's input with every phase's grant and the start's signature, for `campaignId`. */
export function signedCampaignInput(signer: ActionSigner, campaignId: string, input: Omit<CampaignInput, 'auth'>, requestId?: string): CampaignInput {
  const phases = input.phases.map((phase) => {
    const { auth: _auth, ...run } = phase.run;
    return { ...phase, run: { ...run, auth: signer.grantPhase(campaignId, phase.id, run) } };
  });
  const unsigned = { ...input, phases };
  return { ...unsigned, auth: signer.signAction('campaign', campaignId, unsigned, requestId) };
}

export async function startCampaign(
  client: Client,
  input: Omit<CampaignInput, 'auth'>,
  opts: { signer: ActionSigner; campaignId?: string; requestId?: string },
): Promise<WorkflowHandle<typeof runCampaign>> {
  const campaignId = opts.campaignId ?? campaignIdFor(input.campaign.name);
  try {
    return await client.workflow.start<typeof runCampaign>('runCampaign', {
      workflowId: campaignId,
      taskQueue: input.taskQueue,
      args: [signedCampaignInput(opts.signer, campaignId, input, opts.requestId)],
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: campaignSearchAttributes(input),
      memo: { reason: input.reason, kind: 'campaign' },
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new RunAlreadyActiveError(campaignId);
    throw err;
  }
}
