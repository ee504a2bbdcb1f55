/**
 * Starts a run: one `runDrill` workflow carrying its pinned plan. The workflow ID is the business key:
 * a real failover or failback of a service is `<mode>-<service>`, so a second concurrent one of the
 * same service is refused by Temporal itself; drills get a unique ID and may run side by side.
 */
import { randomUUID } from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType, TypedSearchAttributes } from '@temporalio/common';
import type { RunInput } from '../plan/types';
import { signedInput, type ActionSigner } from '../security/action-signer';
import type { runDrill } from '../../workflows/run-drill';

export const searchKeys = {
  service: defineSearchAttributeKey('DrillService', SearchAttributeType.KEYWORD_LIST),
  mode: defineSearchAttributeKey('DrillMode', SearchAttributeType.KEYWORD),
  runbook: defineSearchAttributeKey('DrillRunbook', SearchAttributeType.KEYWORD),
  planHash: defineSearchAttributeKey('DrillPlanHash', SearchAttributeType.KEYWORD),
  initiator: defineSearchAttributeKey('DrillInitiator', SearchAttributeType.KEYWORD),
};

/** Thrown when a real failover/failback of the same service is already running. */
export class RunAlreadyActiveError extends Error {
  constructor(readonly runId: string) {
    super(`a run with ID ${runId} is already active: one real ${runId.split('-')[0]} per service at a time`);
  }
}

export function runIdFor(input: Pick<RunInput, 'mode' | 'plan'>): string {
  const services = [...input.plan.services].sort().join('+') || input.plan.runbook.name;
  if (input.mode === 'drill') return `drill-${input.plan.runbook.name}-${randomUUID().slice(0, 8)}`;
  return `${input.mode}-${services}`;
}

/**
 * Starts the run, signed by `signer` for its workflow id (the run verifies the signature before it
 * begins). `requestId`: the front door's id of the request, the signature's (default: a new one).
 */
export async function startRun(
  client: Client,
  input: RunInput,
  opts: { signer: ActionSigner; workflowId?: string; requestId?: string },
): Promise<WorkflowHandle<typeof runDrill>> {
  const workflowId = opts.workflowId ?? runIdFor(input);
  try {
    return await client.workflow.start<typeof runDrill>('runDrill', {
      workflowId,
      taskQueue: input.taskQueue,
      args: [signedInput(opts.signer, 'start', workflowId, input, opts.requestId)],
      workflowIdConflictPolicy: 'FAIL',
      typedSearchAttributes: new TypedSearchAttributes([
        { key: searchKeys.service, value: input.plan.services },
        { key: searchKeys.mode, value: input.mode },
        { key: searchKeys.runbook, value: input.plan.runbook.name },
        { key: searchKeys.planHash, value: input.planHash },
        { key: searchKeys.initiator, value: input.initiator },
      ]),
      memo: { reason: input.reason },
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new RunAlreadyActiveError(workflowId);
    throw err;
  }
}
