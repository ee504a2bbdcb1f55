/**
 * The rules a person's confirm or approval must meet, checked by the workflow's update validators
 * (a refused request never lands in history). Roles are checked at the API entry; these are the
 * rules only the run knows: the step's evidence fields, four-eyes, distinct approvers.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { evidenceFieldNames, evidenceProblem } from '../src/plan/evidence';
import { FAILURES } from '../src/plan/failures';
import type { ApproveStepInput, ConfirmStepInput, HumanWait } from '../src/plan/run-messages';

/** A confirm carries an actor and exactly the evidence fields the manual step takes, required ones filled (src/plan/evidence.ts). */
export function checkConfirm(wait: HumanWait, request: ConfirmStepInput): void {
  if (typeof request.actor !== 'string' || !request.actor.trim()) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
  const fields = wait.evidenceFields ?? [];
  const problem = evidenceProblem(fields, request.evidence);
  if (problem?.kind === 'unknown') {
    throw ApplicationFailure.nonRetryable(
      `unknown evidence field ${problem.names.map((u) => `"${u}"`).join(', ')} (step "${wait.stepId}" takes: ${evidenceFieldNames(fields)})`,
      FAILURES.InvalidDecision,
    );
  }
  if (problem?.kind === 'missing') {
    throw ApplicationFailure.nonRetryable(
      `missing required evidence: ${problem.fields.map((f) => f.name).join(', ')} (step "${wait.stepId}")`,
      FAILURES.EvidenceMissing,
    );
  }
}

/** An approval comes from someone with the step's role, never the initiator, once each, until enough approved. */
export function checkApproval(wait: HumanWait, request: ApproveStepInput, granted: ApproveStepInput[], initiator: string): void {
  const actor = typeof request.actor === 'string' ? request.actor.trim() : '';
  if (!actor) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
  if (actor === initiator) {
    throw ApplicationFailure.nonRetryable(`${actor} started this run and can never approve it (four-eyes)`, FAILURES.ApprovalRefused);
  }
  if (granted.some((a) => a.actor === actor)) {
    throw ApplicationFailure.nonRetryable(
      `${actor} has already approved step "${wait.stepId}"; ${wait.approvalsNeeded} distinct approvers are needed`,
      FAILURES.ApprovalDuplicate,
    );
  }
  if (granted.length >= (wait.approvalsNeeded ?? 1)) {
    throw ApplicationFailure.nonRetryable(`step "${wait.stepId}" already has its approvals`, FAILURES.StepNotWaiting);
  }
  if (!Array.isArray(request.roles) || !request.roles.includes(wait.role)) {
    throw ApplicationFailure.nonRetryable(`approving step "${wait.stepId}" needs the role "${wait.role}"`, FAILURES.ApprovalRefused);
  }
}
