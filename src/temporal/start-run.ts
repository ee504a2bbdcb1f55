/**
 * Starts a run: one `runDrill` workflow carrying its pinned plan. Every run has a workflow ID of its
 * own, never reused (`failover-payments-1a2b3c4d`, `drill-failover-to-dr-5e6f7a8b`), so a second
 * failover of a service after the first ended is a new run with a trail of its own. "One real run per
 * service at a time" is not the ID's job: the API takes the services' locks before it starts a real
 * run (src/real-runs/service-locks.ts).
 */
import { randomUUID } from 'node:crypto';
import { Client, WorkflowExecutionAlreadyStartedError, type WorkflowHandle } from '@temporalio/client';
import { runSearchAttributes } from '../plan/search-attributes';
import type { RunInput } from '../plan/types';
import { signedInput, type ActionSigner } from '../security/action-signer';
import type { runDrill } from '../../workflows/run-drill/run-drill';

/** Thrown when a workflow with the run's ID already exists (an ID given by the caller, reused). */
export class RunAlreadyActiveError extends Error {
  constructor(readonly runId: string) {
    super(`a run with ID ${runId} already exists: run IDs are never reused`);
  }
}

/**
 * A new, unique run ID, readable: `<mode>-<services>-<8 hex>` for a real run (the services it
 * touches, sorted, joined by `+`), `drill-<runbook>-<8 hex>` for a drill.
 */
export function runIdFor(input: Pick<RunInput, 'mode' | 'plan'>): string {
  const unique = randomUUID().replace(/-/g, '').slice(0, 8);
  if (input.mode === 'drill') return `drill-${input.plan.runbook.name}-${unique}`;
  const services = [...input.plan.services].sort().join('+') || input.plan.runbook.name;
  return `${input.mode}-${services}-${unique}`;
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
      // Never reused, even after the first run with this ID closed: its trail would swallow the second's.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: runSearchAttributes(input),
      memo: { reason: input.reason },
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw new RunAlreadyActiveError(workflowId);
    throw err;
  }
}
