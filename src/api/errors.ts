/**
 * Every HTTP status the API answers with, mapped in one place: from the API's own refusals
 * (`ApiError`), authentication (`AuthError`) and the workflow validator's failure types.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AuthError } from '../auth/authenticate';
import { FAILURES } from '../plan/failures';
import { SignoffDuplicateError } from '../findings/signoffs';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field at fault, for a 400. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * The audit trail could not record a request: the request is refused (fail closed), never done
 * unrecorded. Answered 503; the cause goes to the server's log, not to the caller.
 */
export class AuditUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super('the audit trail cannot record this request right now, so nothing was done; try again later');
  }
}

export const TEMPORAL_UNAVAILABLE = 'temporal_unavailable';

/**
 * A person's act on a run could not reach Temporal (down, restarting): the run may not have received
 * it. Neither the caller's mistake nor an internal fault: answered 503, the cause to the server's log.
 * Trying again once Temporal is back is safe: an act the run already took is refused the second time
 * (409: already approved, the step is not waiting).
 */
export class TemporalUnavailableError extends Error {
  constructor(override readonly cause: unknown) {
    super('Temporal cannot be reached right now, so the run may not have received this; try again in a minute (`drillbook status` shows the run from the audit trail meanwhile)');
  }
}

/** What a 5xx answer says instead of the internal error, whose text goes to the server's log under the request id. */
export const INTERNAL_MESSAGE = "internal error: the server's log has the detail under this request id";

/** A workflow validator's refusal → status. Types not listed are server errors (500). */
const FAILURE_STATUS: Record<string, number> = {
  [FAILURES.InvalidDecision]: 400,
  [FAILURES.EvidenceMissing]: 400,
  [FAILURES.ApprovalRefused]: 403,
  [FAILURES.RunNotActive]: 409,
  [FAILURES.NoDecisionPending]: 409,
  [FAILURES.StepNotWaiting]: 409,
  [FAILURES.ApprovalDuplicate]: 409,
  // The API signs every action: a run refusing its signature means its worker does not trust this
  // front door's key (DRILLBOOK_TRUSTED_KEYS), a configuration fault, not the caller's.
  [FAILURES.ActionNotSigned]: 503,
};

export interface ErrorAnswer {
  status: number;
  body: { error: string; message: string; field?: string };
  /** Who refused (for the audit record). */
  refusedBy: 'api' | 'workflow';
  /** A server error's own text: for the server's log only, never for the caller or the trail. */
  internal?: string;
}

/** A 5xx body → its internal text, for routes that send `answer.body` as it is (the log gets it, not the caller). */
const internalDetails = new WeakMap<object, string>();

export function internalDetailOf(body: object): string | undefined {
  return internalDetails.get(body);
}

/** Maps anything thrown while handling a request to its answer. Never throws. */
export function toErrorAnswer(err: unknown): ErrorAnswer {
  const answer = errorAnswer(err);
  if (answer.internal !== undefined) internalDetails.set(answer.body, answer.internal);
  return answer;
}

function errorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof ApiError) {
    return { status: err.status, body: { error: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) }, refusedBy: 'api' };
  }
  if (err instanceof AuditUnavailableError) {
    return { status: 503, body: { error: 'audit_unavailable', message: err.message }, refusedBy: 'api', internal: String((err.cause as Error)?.message ?? err.cause) };
  }
  if (err instanceof TemporalUnavailableError) {
    return { status: 503, body: { error: TEMPORAL_UNAVAILABLE, message: err.message }, refusedBy: 'api', internal: String((err.cause as Error)?.message ?? err.cause) };
  }
  if (err instanceof SignoffDuplicateError) return { status: 409, body: { error: 'signoff_duplicate', message: err.message, field: 'role' }, refusedBy: 'api' };
  if (err instanceof AuthError) return { status: err.status, body: { error: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) }, refusedBy: 'api' };
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const type = err.cause.type ?? 'UpdateRefused';
    const status = FAILURE_STATUS[type];
    if (status) return { status, body: { error: type, message: err.cause.message }, refusedBy: 'workflow' };
    return { status: 500, body: { error: 'internal', message: INTERNAL_MESSAGE }, refusedBy: 'workflow', internal: `${type}: ${err.cause.message}` };
  }
  if (err instanceof WorkflowNotFoundError) {
    return { status: 409, body: { error: FAILURES.RunNotActive, message: 'the run is no longer running (Temporal has no open execution)' }, refusedBy: 'api' };
  }
  const text = err instanceof Error ? err.message : String(err);
  // A run that ended between our check and the update: Temporal says the workflow is completed.
  if (/workflow execution already completed/i.test(text)) {
    return { status: 409, body: { error: FAILURES.RunNotActive, message: 'the run has ended' }, refusedBy: 'workflow' };
  }
  return { status: 500, body: { error: 'internal', message: INTERNAL_MESSAGE }, refusedBy: 'api', internal: text };
}
