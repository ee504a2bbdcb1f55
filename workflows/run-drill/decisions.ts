/**
 * Operator decisions: a step that failed after its retries, or a guard's violation, pauses the run
 * until someone decides retry, skip (with a reason) or abort.
 */
import { ApplicationFailure, condition, setHandler } from '@temporalio/workflow';
import type { Json } from '../../src/plan/types';
import { FAILURES } from '../../src/plan/failures';
import { decideOnFailure, type DecideOnFailureInput } from '../../src/plan/run-messages';
import { requestAbort } from './compensation';
import { signedRequest } from './signatures';
import type { RunContext } from './state';

/** What a decision is about, for the trail. */
export interface DecisionPoint {
  /** The decision's key: a step id, or `guard:<id>`. */
  key: string;
  /** The step of the trail's events (none for a guard). */
  stepId: string | undefined;
  /** What failed. */
  error: string;
  /** Leads the data of `run.paused` and `decision.applied` (a guard's id). */
  about: Record<string, Json>;
  /** The transitions `<transition>/paused` and `<transition>/decision` key the trail's events. */
  transition: string;
  /** Names the subject in an abort's default reason: `step "x"`, `guard "y"`. */
  subject: string;
}

/** A decision to go on: retry or skip. */
export type GoOn = DecideOnFailureInput & { decision: 'retry' | 'skip' };

/**
 * Pauses the run on `point` until a decision (or an abort) arrives, records it, and aborts if that was
 * the decision. `then` gets a retry or skip (undefined when the run aborts) and runs in the same
 * turn as the wake-up, so that whatever it starts is ordered exactly as if written inline.
 */
export async function awaitDecision<T>(run: RunContext, point: DecisionPoint, then: (decision?: GoOn) => T): Promise<T> {
  const { key } = point;
  run.awaitingDecision.set(key, point.error);
  run.decisionSince.set(key, new Date().toISOString());
  run.state = 'paused';
  run.record('run.paused', point.stepId, 'drillbook', { ...point.about, error: point.error }, `${point.transition}/paused`);
  await condition(() => run.decisions.has(key) || run.abortRequest !== undefined);
  run.awaitingDecision.delete(key);
  if (run.awaitingDecision.size === 0 && !run.abortRequest) run.state = 'running';
  const decision = run.decisions.get(key);
  run.decisions.delete(key);
  if (!decision) return then(); // aborted while waiting
  run.record(
    'decision.applied',
    point.stepId,
    decision.actor,
    { ...point.about, decision: decision.decision, reason: decision.reason ?? null, ...signedRequest(decision) },
    `${point.transition}/decision`,
  );
  if (decision.decision === 'abort') {
    requestAbort(run, { reason: decision.reason?.trim() || `abort decided on ${point.subject}`, actor: decision.actor });
    return then();
  }
  return then(decision as GoOn);
}

export function registerDecisionHandler(run: RunContext): void {
  setHandler(
    decideOnFailure,
    (decision) => {
      run.signatures.accepted(decision);
      run.decisions.set(decision.stepId, decision);
      run.readyChanged = true;
    },
    {
      // Synchronous: a refused decision never lands in history.
      validator: (decision) => {
        run.signatures.check('decide', decision);
        if (run.endedAt || run.state === 'aborting') throw ApplicationFailure.nonRetryable('the run is no longer running', FAILURES.RunNotActive);
        if (!run.awaitingDecision.has(decision.stepId)) {
          const waiting = [...run.awaitingDecision.keys()];
          throw ApplicationFailure.nonRetryable(
            `step "${decision.stepId}" is not waiting for a decision` +
              (waiting.length ? ` (waiting: ${waiting.join(', ')})` : ' (no step is waiting)'),
            FAILURES.NoDecisionPending,
          );
        }
        checkDecisionFields(decision);
      },
    },
  );
}

/** A decision's own fields (a run's or a campaign's): retry, skip with a reason, or abort, by an actor. */
export function checkDecisionFields(decision: DecideOnFailureInput): void {
  if (!['retry', 'skip', 'abort'].includes(decision.decision)) {
    throw ApplicationFailure.nonRetryable(`decision must be retry, skip or abort`, FAILURES.InvalidDecision);
  }
  if (decision.decision === 'skip' && !decision.reason?.trim()) {
    throw ApplicationFailure.nonRetryable('skip needs a reason', FAILURES.InvalidDecision);
  }
  if (!decision.actor?.trim()) throw ApplicationFailure.nonRetryable('actor is required', FAILURES.InvalidDecision);
}
