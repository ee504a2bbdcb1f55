/**
 * The rules a person's confirm or approval must meet, checked by the workflow's update validators
 * (a refused request never lands in history). Roles are checked at the API entry; these are the
 * rules only the run knows: the step's evidence fields, four-eyes, distinct approvers.
 */
import { ApplicationFailure } from '@temporalio/workflow';
import { FAILURES } from '../src/plan/failures';
import type { ApproveStepInput, ConfirmStepInput, HumanWait } from '../src/plan/run-messages';

/** A confirm carries an actor and exactly the evidence fields the manual step takes, required ones filled. */
export function checkConfirm(wait: HumanWait, request: ConfirmStepInput): void {
  if (typeof request.actor !== 'string' || !request.actor.trim()) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
  const evidence = request.evidence && typeof request.evidence === 'object' ? request.evidence : {};
  const fields = wait.evidenceFields ?? [];
  const unknown = Object.keys(evidence).filter((name) => !fields.some((f) => f.name === name));
  if (unknown.length) {
    throw ApplicationFailure.nonRetryable(
      `unknown evidence field ${unknown.map((u) => `"${u}"`).join(', ')} (step "${wait.stepId}" takes: ${fields.map((f) => f.name).join(', ') || 'none'})`,
      FAILURES.InvalidDecision,
    );
  }
  const missing = fields.filter((f) => f.required && !(typeof evidence[f.name] === 'string' && evidence[f.name].trim()));
  if (missing.length) {
    throw ApplicationFailure.nonRetryable(
      `missing required evidence: ${missing.map((f) => f.name).join(', ')} (step "${wait.stepId}")`,
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
