/** The confirm and approve Updates of human steps: validated synchronously, so a refusal never lands in history. */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { FAILURES } from '../../src/plan/failures';
import { approveStep, confirmStep, type ApproveStepInput, type ConfirmStepInput, type HumanWait } from '../../src/plan/run-messages';
import { checkApproval, checkConfirm } from '../human-requests';
import { signedRequest } from './signatures';
import type { RunContext } from './state';

export function registerHumanHandlers(run: RunContext): void {
  setHandler(
    confirmStep,
    (request) => {
      run.signatures.accepted(request);
      run.confirmations.set(request.stepId, request);
    },
    // Synchronous: a refused confirm never lands in history. Roles are checked at the API entry.
    { validator: (request) => validateConfirm(run, request) },
  );
  setHandler(
    approveStep,
    (request) => {
      run.signatures.accepted(request);
      const granted = run.approvals.get(request.stepId) ?? [];
      granted.push(request);
      run.approvals.set(request.stepId, granted);
      const wait = run.humanWaits.get(request.stepId);
      if (wait) wait.approvedBy = granted.map((a) => a.actor);
      const p = run.progress.get(request.stepId)!;
      run.record(
        'approval.granted',
        request.stepId,
        request.actor,
        { comment: request.comment ?? null, count: granted.length, needed: wait?.approvalsNeeded ?? null, ...signedRequest(request) },
        `${p.execution}/approval/${request.actor}`,
      );
    },
    { validator: (request) => validateApproval(run, request) },
  );
}

function refuseIfInactive(run: RunContext): void {
  if (run.endedAt || run.abortRequest || run.state === 'aborting') {
    throw ApplicationFailure.nonRetryable('the run is no longer running', FAILURES.RunNotActive);
  }
}

function waitingOf(run: RunContext, stepId: unknown, kind: 'manual' | 'approval'): HumanWait {
  const wait = typeof stepId === 'string' ? run.humanWaits.get(stepId) : undefined;
  if (wait && wait.kind === kind) return wait;
  const waiting = [...run.humanWaits.values()].filter((w) => w.kind === kind).map((w) => w.stepId);
  throw ApplicationFailure.nonRetryable(
    `step "${String(stepId)}" is not a ${kind} step waiting for people` +
      (waiting.length ? ` (waiting: ${waiting.join(', ')})` : ` (no ${kind} step is waiting)`),
    FAILURES.StepNotWaiting,
  );
}

function validateConfirm(run: RunContext, request: ConfirmStepInput): void {
  run.signatures.check('confirm', request);
  refuseIfInactive(run);
  checkConfirm(waitingOf(run, request?.stepId, 'manual'), request);
}

function validateApproval(run: RunContext, request: ApproveStepInput): void {
  run.signatures.check('approve', request);
  refuseIfInactive(run);
  const wait = waitingOf(run, request?.stepId, 'approval');
  checkApproval(wait, request, run.approvals.get(wait.stepId) ?? [], run.input.initiator);
}
