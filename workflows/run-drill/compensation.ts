/** Abort: the request (an operator's, a runbook rule's or a guard's) and the unwinding of completed steps. */
import { ApplicationFailure, CancellationScope, condition, setHandler } from '@temporalio/workflow';
import { abortFromCampaign } from '../../src/plan/campaign';
import { FAILURES } from '../../src/plan/failures';
import { abortRun, type AbortRunInput } from '../../src/plan/run-messages';
import { stepActivities } from './activity-options';
import { auditWriter } from './audit-queue';
import { signedRequest } from './signatures';
import type { RunContext } from './state';
import { applyCompleted, applyMembers } from './step-results';

/** Aborts once: cancels the running steps and the guards; the run unwinds when they have stopped. */
export function requestAbort(run: RunContext, request: AbortRunInput): void {
  if (run.abortRequest) return;
  run.abortRequest = request;
  run.state = 'aborting';
  run.record('run.abort_requested', undefined, request.actor, { reason: request.reason, ...signedRequest(request) }, 'abort');
  run.stepScope.cancel();
  run.guardScope?.cancel();
}

export function registerAbortHandler(run: RunContext): void {
  setHandler(
    abortRun,
    (request) => {
      run.signatures.accepted(request);
      requestAbort(run, request);
    },
    {
      validator: (request) => {
        run.signatures.check('abort', request);
        if (run.endedAt || run.abortRequest) throw ApplicationFailure.nonRetryable('the run is no longer running', FAILURES.RunNotActive);
        checkAbortFields(request);
      },
    },
  );
}

/** An abort's own fields (a run's or a campaign's): a reason and an actor. */
export function checkAbortFields(request: AbortRunInput): void {
  if (!request.reason?.trim()) throw ApplicationFailure.nonRetryable('abort needs a reason', FAILURES.InvalidDecision);
  if (!request.actor?.trim()) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
}

/**
 * A phase of a campaign is aborted with the campaign: the campaign forwards its abort (a signal, the
 * front door's signature of the campaign's abort inside). Registered once the start is verified (so
 * the keys are known); signals sent before wait for it. A refused one is logged and changes nothing.
 */
export function registerCampaignAbort(run: RunContext): void {
  setHandler(abortFromCampaign, (request) => {
    if (run.signatures.campaignAbortRefusal(request) !== undefined || run.endedAt || run.abortRequest) return;
    requestAbort(run, { ...request, reason: `the campaign was aborted: ${request.reason}` });
  });
}

/** Runs every completed step's undo in reverse order of completion; one failure never skips the rest. */
export async function unwind(run: RunContext): Promise<void> {
  await condition(() => run.active.size === 0);
  if (run.flushBarrier) await condition(() => run.audit.idle());
  await CancellationScope.nonCancellable(async () => {
    // A step (or a sequence's members) cancelled midway may have completed its side effect (a
    // fence): read back what was recorded so that it is undone too.
    for (const { step, execution } of run.cancelledSteps) {
      const stepIds = step.kind === 'sequence' ? step.members : [step.id];
      const done = await auditWriter.completedSteps({ runId: run.runId, stepIds, execution });
      if (step.kind === 'sequence') applyMembers(run, step, execution, done);
      else {
        const r = done[step.id];
        if (r?.state === 'completed') applyCompleted(run, step, execution, r);
      }
    }
    for (const step of [...run.undoStack].reverse()) {
      const p = run.progress.get(step.id)!;
      try {
        await stepActivities(run, step).executeAction({
          runId: run.runId,
          stepId: step.id,
          execution: p.execution,
          purpose: 'compensate',
          call: step.compensate!,
          scope: run.scope(step),
          evidence: ['*'],
          site: step.site,
        });
        p.compensation = 'completed';
      } catch {
        // The activity recorded compensation.failed with its error; the others still run.
        p.compensation = 'failed';
      }
    }
  });
}
