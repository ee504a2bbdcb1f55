/** Recording what a step (or a sequence's members) ended with: progress, results, the undo stack. */
import type { SequenceMemberResult, SequenceOutput } from '../../activities/step-types';
import type { PlanStep, SequenceStep } from '../../src/plan/types';
import type { RunContext } from './state';

/** What a sequence's members did (see executeSequence), as if each had run as a step of its own. */
export function applyMembers(run: RunContext, step: SequenceStep, execution: number, members: SequenceOutput['members'] | undefined): void {
  for (const id of step.members) {
    const r = members?.[id];
    if (!r) continue;
    const p = run.progress.get(id)!;
    p.execution = execution;
    if (r.state === 'skipped') {
      p.state = 'skipped';
      p.skipReason = r.reason;
      run.record('step.skipped', id, 'drillbook', { reason: r.reason, sequence: step.id }, `${execution}/skipped`);
      continue;
    }
    p.attempts = r.attempt;
    p.startedAt = r.startedAt;
    p.endedAt = r.endedAt;
    if (r.state === 'failed') {
      const member = run.stepsById.get(id)!;
      p.state = 'failed';
      p.error = r.error;
      run.record('step.failed', id, 'drillbook', { error: r.error, onFailure: member.onFailure, sequence: step.id }, `${execution}/failed`);
      continue;
    }
    applyCompleted(run, run.stepsById.get(id)!, execution, r);
  }
}

/** A step's recorded completion: its result, and its undo on the stack (once). */
export function applyCompleted(run: RunContext, step: PlanStep, execution: number, r: Extract<SequenceMemberResult, { state: 'completed' }>): void {
  const p = run.progress.get(step.id)!;
  Object.assign(p, { execution, state: 'completed', error: undefined, attempts: r.attempt, startedAt: r.startedAt, endedAt: r.endedAt });
  run.results.set(step.id, { output: r.output, startedAt: r.startedAt, endedAt: r.endedAt, attempt: r.attempt, replayed: r.replayed });
  if (step.compensate && !run.undoStack.includes(step)) run.undoStack.push(step);
}

/** A skipped sequence skips the members it did not complete, so the steps after them can go on. */
export function skipUnfinishedMembers(run: RunContext, step: SequenceStep, reason: string, audit: boolean): void {
  for (const id of step.members) {
    const m = run.progress.get(id)!;
    if (m.state === 'completed') continue;
    m.state = 'skipped';
    m.skipReason = reason;
    if (audit) run.record('step.skipped', id, 'drillbook', { reason, sequence: step.id }, `${m.execution}/skipped`);
  }
}
