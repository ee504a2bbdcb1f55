/** One step, start to end: `when`, its one Temporal round trip, its outcome, and `onFailure`. */
import { ApplicationFailure, isCancellation, patched, sleep } from '@temporalio/workflow';
import type { SequenceOutput, StepActivityResult } from '../../activities/step-types';
import { evaluate } from '../../src/plan/expression';
import type { PlanStep, SequenceMember } from '../../src/plan/types';
import { FAILURES } from '../../src/plan/failures';
import { attemptsOfFailure, failureType, message, sequenceFailureMembers } from '../step-failures';
import { stepActivities } from './activity-options';
import { requestAbort } from './compensation';
import { awaitDecision } from './decisions';
import { awaitApprovals, awaitConfirmation } from './human-waits';
import { HUMAN_STEPS_PATCH } from './patches';
import type { RunContext } from './state';
import { applyMembers, skipUnfinishedMembers } from './step-results';
import { decidedSkipReason } from './verdict';

export async function runStep(run: RunContext, step: PlanStep): Promise<void> {
  const p = run.progress.get(step.id)!;
  if (step.when) {
    let go: boolean;
    try {
      go = Boolean(evaluate(step.when, run.scope(step)));
    } catch (err) {
      return onStepFailed(run, step, `when: ${message(err)}`);
    }
    if (!go) {
      p.state = 'skipped';
      p.skipReason = `when "${step.when.source}" is false`;
      run.record('step.skipped', step.id, 'drillbook', { reason: p.skipReason }, `${p.execution}/skipped`);
      if (step.kind === 'sequence') skipUnfinishedMembers(run, step, `its sequence "${step.id}" was skipped`, true);
      return;
    }
  }
  p.execution += 1;
  p.state = 'running';
  p.attempts = 1;
  p.startedAt = new Date().toISOString();
  try {
    const result = await perform(run, step, p.execution);
    run.results.set(step.id, result);
    if (step.kind === 'sequence') applyMembers(run, step, p.execution, (result.output as unknown as SequenceOutput).members);
    p.state = 'completed';
    p.attempts = result.attempt;
    p.startedAt = result.startedAt;
    p.endedAt = result.endedAt;
    // p.outputSummary is computed when the progress is queried (snapshot), not per step.
    if (step.compensate) run.undoStack.push(step);
  } catch (err) {
    if (isCancellation(err)) {
      p.state = 'cancelled';
      p.endedAt = new Date().toISOString();
      run.record('step.cancelled', step.id, 'drillbook', { reason: run.abortRequest?.reason ?? 'cancelled' }, `${p.execution}/cancelled`);
      if (run.waitsForCancel.has(step.id)) run.cancelledSteps.push({ step, execution: p.execution });
      throw err;
    }
    if (step.kind === 'approval' && step.onTimeout === 'abort' && failureType(err) === FAILURES.ApprovalTimedOut) {
      // The runbook said so: no operator decision, the run aborts.
      p.state = 'failed';
      p.error = message(err);
      p.endedAt = new Date().toISOString();
      run.record('step.failed', step.id, 'drillbook', { error: p.error, onTimeout: 'abort' }, `${p.execution}/failed`);
      requestAbort(run, { reason: `approval "${step.id}" timed out`, actor: 'drillbook' });
      return;
    }
    // The query's view only (no command): the attempts the failure says were made, not the first one's 1.
    p.attempts = attemptsOfFailure(err, step.retry.maxAttempts) ?? p.attempts;
    if (step.kind === 'sequence') applyMembers(run, step, p.execution, sequenceFailureMembers(err));
    await onStepFailed(run, step, message(err));
  }
}

/** The one Temporal round trip of a step (a timer for `wait`). */
async function perform(run: RunContext, step: PlanStep, execution: number): Promise<StepActivityResult> {
  const ref = { runId: run.runId, stepId: step.id, execution };
  switch (step.kind) {
    case 'action':
    case 'notify':
      return stepActivities(run, step).executeAction({
        ...ref,
        purpose: 'step',
        call: step.kind === 'action' ? step.action : step.notify,
        scope: run.scope(step),
        evidence: step.evidence,
        site: step.site,
      });
    case 'check':
      return stepActivities(run, step).probeCheck({
        ...ref,
        probe: step.probe,
        expect: step.expect,
        until: step.until,
        scope: run.scope(step),
        evidence: step.evidence,
        site: step.site,
      });
    case 'wait': {
      const startedAt = new Date().toISOString();
      run.record('step.started', step.id, 'drillbook', { kind: 'wait', durationMs: step.durationMs }, `${execution}/started`);
      await sleep(step.durationMs);
      const endedAt = new Date().toISOString();
      run.record('step.completed', step.id, 'drillbook', { kind: 'wait', durationMs: step.durationMs }, `${execution}/completed`);
      return { output: { waitedMs: step.durationMs }, startedAt, endedAt, attempt: 1, replayed: false };
    }
    case 'sequence':
      return stepActivities(run, step).executeSequence({
        ...ref,
        members: step.members.map((id) => run.stepsById.get(id) as SequenceMember),
        scope: run.scope(step),
        site: step.site,
      });
    case 'manual':
    case 'approval':
      if (patched(HUMAN_STEPS_PATCH)) {
        return step.kind === 'manual' ? awaitConfirmation(run, step, execution) : awaitApprovals(run, step, execution);
      }
      // Runs started before human steps existed failed them as unsupported; replay keeps that.
      throw ApplicationFailure.nonRetryable(`${step.kind} steps are not supported by this version of drillbook yet`, FAILURES.StepKindUnsupported);
    default: {
      const unknown: never = step;
      throw ApplicationFailure.nonRetryable(`unknown step kind ${(unknown as PlanStep).kind}`, FAILURES.StepKindUnsupported);
    }
  }
}

/** After its retries a step failed: follow `onFailure` (the default pauses for an operator). */
async function onStepFailed(run: RunContext, step: PlanStep, error: string): Promise<void> {
  const p = run.progress.get(step.id)!;
  p.state = 'failed';
  p.error = error;
  p.endedAt = new Date().toISOString();
  run.record('step.failed', step.id, 'drillbook', { error, onFailure: step.onFailure }, `${p.execution}/failed`);
  if (step.onFailure === 'continue') return;
  if (step.onFailure === 'abort') {
    requestAbort(run, { reason: `step "${step.id}" failed: ${error}`, actor: 'drillbook' });
    return;
  }
  const point = { key: step.id, stepId: step.id, error, about: {}, transition: `${p.execution}`, subject: `step "${step.id}"` };
  return awaitDecision(run, point, (decision) => {
    if (!decision) return; // aborted while waiting, or aborted by the decision
    if (decision.decision === 'retry') {
      p.error = undefined;
      p.endedAt = undefined;
      return runStep(run, step);
    }
    p.state = 'skipped';
    p.skipReason = decidedSkipReason(decision.actor, decision.reason);
    if (step.kind === 'sequence') skipUnfinishedMembers(run, step, p.skipReason, false);
  });
}
