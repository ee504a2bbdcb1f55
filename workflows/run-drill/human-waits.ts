/** Manual and approval steps: the run waits, durably, for people to confirm or approve. */
import { ApplicationFailure, condition, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { HumanActivities } from '../../activities/human-activities';
import type { StepActivityResult } from '../../activities/step-types';
import type { AdapterCall, ApprovalStep, Json, ManualStep } from '../../src/plan/types';
import { FAILURES } from '../../src/plan/failures';
import type { HumanWait } from '../../src/plan/run-messages';
import { message } from '../step-failures';
import { signedRequest } from './signatures';
import type { RunContext } from './state';

const noticeSender = proxyActivities<HumanActivities>({
  // A webhook answers in seconds; a notice that cannot be delivered is recorded, not fatal.
  startToCloseTimeout: '1m',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
});

/** A manual step: waits (durably, for as long as it takes or its `timeout`) for a confirm with its evidence. */
export async function awaitConfirmation(run: RunContext, step: ManualStep, execution: number): Promise<StepActivityResult> {
  const p = run.progress.get(step.id)!;
  const startedAt = new Date().toISOString();
  p.state = 'waiting';
  run.humanWaits.set(step.id, {
    stepId: step.id,
    kind: 'manual',
    title: step.title,
    since: startedAt,
    instructions: step.instructions,
    evidenceFields: step.evidenceFields.map((f) => ({ ...f })),
    role: step.role ?? 'operator',
  });
  run.record('step.waiting', step.id, 'drillbook', { kind: 'manual', role: step.role ?? 'operator', evidenceFields: step.evidenceFields.map((f) => f.name) }, `${execution}/waiting`);
  let confirmed: boolean;
  try {
    const arrived = () => run.confirmations.has(step.id);
    confirmed = step.timeoutMs === undefined ? (await condition(arrived), true) : await condition(arrived, step.timeoutMs);
  } finally {
    run.humanWaits.delete(step.id);
  }
  if (!confirmed) {
    throw ApplicationFailure.nonRetryable(`no confirmation within ${step.timeoutMs} ms`, FAILURES.StepTimedOut);
  }
  const confirmation = run.confirmations.get(step.id)!;
  run.confirmations.delete(step.id);
  const output: Json = { confirmedBy: confirmation.actor, evidence: confirmation.evidence, note: confirmation.note ?? null };
  const endedAt = new Date().toISOString();
  run.record('step.confirmed', step.id, confirmation.actor, { evidence: confirmation.evidence, note: confirmation.note ?? null, ...signedRequest(confirmation) }, `${execution}/confirmed`);
  run.record('step.completed', step.id, 'drillbook', { kind: 'manual', confirmedBy: confirmation.actor }, `${execution}/completed`);
  return { output, startedAt, endedAt, attempt: 1, replayed: false };
}

/**
 * An approval: waits until `approvers` distinct people holding `role` approved (never the initiator:
 * the validator refuses). Reminds every `remind.every`; on `timeout`, aborts, escalates and keeps
 * waiting, or fails the step (then `onFailure` applies).
 */
export async function awaitApprovals(run: RunContext, step: ApprovalStep, execution: number): Promise<StepActivityResult> {
  const p = run.progress.get(step.id)!;
  const startedAt = new Date().toISOString();
  const startMs = Date.now();
  let deadlineMs = step.approvalTimeoutMs === undefined ? undefined : startMs + step.approvalTimeoutMs;
  let nextReminderMs = step.remind ? startMs + step.remind.everyMs : undefined;
  let reminders = 0;
  // A retried approval (after a timeout and a decision) starts over: earlier approvals were for another wait.
  run.approvals.delete(step.id);
  p.state = 'waiting';
  const wait: HumanWait = {
    stepId: step.id,
    kind: 'approval',
    title: step.title,
    since: startedAt,
    instructions: step.instructions,
    role: step.role,
    approvalsNeeded: step.approvers,
    approvedBy: [],
    ...(deadlineMs !== undefined ? { deadline: new Date(deadlineMs).toISOString() } : {}),
  };
  run.humanWaits.set(step.id, wait);
  run.record(
    'approval.requested',
    step.id,
    'drillbook',
    { role: step.role, approvers: step.approvers, timeoutMs: step.approvalTimeoutMs ?? null, onTimeout: step.onTimeout ?? null },
    `${execution}/approval-requested`,
  );
  const enough = () => (run.approvals.get(step.id)?.length ?? 0) >= step.approvers;
  try {
    for (;;) {
      const now = Date.now();
      const next = Math.min(deadlineMs ?? Infinity, nextReminderMs ?? Infinity);
      const done = next === Infinity ? (await condition(enough), true) : await condition(enough, Math.max(1, next - now));
      if (done) break;
      const at = Date.now();
      if (deadlineMs !== undefined && at >= deadlineMs) {
        run.record('approval.timed_out', step.id, 'drillbook', { approvedBy: wait.approvedBy ?? [], onTimeout: step.onTimeout ?? null }, `${execution}/approval-timed-out`);
        if (step.onTimeout !== 'escalate' || !step.escalate) {
          throw ApplicationFailure.nonRetryable(
            `approval not given within ${step.approvalTimeoutMs} ms (${wait.approvedBy?.length ?? 0} of ${step.approvers})`,
            FAILURES.ApprovalTimedOut,
          );
        }
        deadlineMs = undefined;
        wait.deadline = undefined;
        await notice(run, step, execution, 'escalated', 'approval.escalated', step.escalate, wait);
        continue;
      }
      if (nextReminderMs !== undefined && at >= nextReminderMs && step.remind) {
        reminders += 1;
        nextReminderMs += step.remind.everyMs;
        await notice(run, step, execution, `reminder-${reminders}`, 'approval.reminded', step.remind.notify, wait);
      }
    }
  } finally {
    run.humanWaits.delete(step.id);
  }
  const approvedBy = (run.approvals.get(step.id) ?? []).map((a) => a.actor);
  const endedAt = new Date().toISOString();
  run.record('step.completed', step.id, 'drillbook', { kind: 'approval', approvedBy }, `${execution}/completed`);
  return { output: { approvedBy }, startedAt, endedAt, attempt: 1, replayed: false };
}

/** Sends a reminder or an escalation; an undeliverable notice is recorded and the wait goes on. */
async function notice(run: RunContext, step: ApprovalStep, execution: number, name: string, type: string, call: AdapterCall, wait: HumanWait): Promise<void> {
  try {
    await noticeSender.sendNotice({
      runId: run.runId,
      stepId: step.id,
      key: `${run.runId}/${step.id}/${execution}/${name}`,
      type,
      call,
      scope: run.scope(step),
      data: { role: wait.role, approvedBy: wait.approvedBy ?? [], needed: step.approvers },
    });
  } catch (err) {
    if (isCancellation(err)) throw err;
    run.record('notice.failed', step.id, 'drillbook', { notice: name, error: message(err) }, `${execution}/${name}/failed`);
  }
}
