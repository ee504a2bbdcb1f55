/**
 * What a failed step's error says, through the wrappers Temporal puts around it (an ActivityFailure
 * around the ApplicationFailure an activity threw). Pure: workflow code.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { SequenceOutput } from '../activities/step-types';
import { FAILURES } from '../src/plan/failures';

/** The members' results a failed sequence carried in its failure's details. */
export function sequenceFailureMembers(err: unknown): SequenceOutput['members'] | undefined {
  let cause: unknown = err;
  while (cause instanceof Error && !(cause instanceof ApplicationFailure && cause.type === FAILURES.SequenceMemberFailed)) cause = cause.cause;
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as SequenceOutput | undefined) : undefined;
  return details?.members;
}

export function failureType(err: unknown): string | undefined {
  let e: unknown = err;
  while (e && typeof e === 'object') {
    if (e instanceof ApplicationFailure) return e.type ?? undefined;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export function message(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { cause?: unknown; message?: string };
    // An ActivityFailure wraps the ApplicationFailure that says what went wrong.
    if (e.cause && typeof e.cause === 'object' && 'message' in e.cause) return message(e.cause);
    if (e.message) return e.message;
  }
  return String(err);
}


/**
 * How many attempts a failed step's activity made, where its failure says: all that its retry policy
 * allows when it ran out of them (the trail then holds as many `step.attempt_failed`). Undefined
 * otherwise (a non-retryable failure does not say at which attempt it came).
 */
export function attemptsOfFailure(err: unknown, maximumAttempts: number): number | undefined {
  if (!(err instanceof ActivityFailure) || err.retryState !== 'MAXIMUM_ATTEMPTS_REACHED') return undefined;
  return maximumAttempts > 0 ? maximumAttempts : undefined;
}
