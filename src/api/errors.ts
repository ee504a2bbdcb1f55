/**
 * Every HTTP status the API answers with, mapped in one place: from the API's own refusals
 * (`ApiError`), authentication (`AuthError`) and the workflow validator's failure types.
 */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { AuthError } from '../auth/authenticate';
import { FAILURES } from '../plan/failures';

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
}

/** Maps anything thrown while handling a request to its answer. Never throws. */
export function toErrorAnswer(err: unknown): ErrorAnswer {
  if (err instanceof ApiError) {
    return { status: err.status, body: { error: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) }, refusedBy: 'api' };
  }
  if (err instanceof AuthError) return { status: err.status, body: { error: err.code, message: err.message }, refusedBy: 'api' };
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const type = err.cause.type ?? 'UpdateRefused';
    return { status: FAILURE_STATUS[type] ?? 500, body: { error: type, message: err.cause.message }, refusedBy: 'workflow' };
  }
  if (err instanceof WorkflowNotFoundError) {
    return { status: 409, body: { error: FAILURES.RunNotActive, message: 'the run is no longer running (Temporal has no open execution)' }, refusedBy: 'api' };
  }
  const text = err instanceof Error ? err.message : String(err);
  // A run that ended between our check and the update: Temporal says the workflow is completed.
  if (/workflow execution already completed/i.test(text)) {
    return { status: 409, body: { error: FAILURES.RunNotActive, message: 'the run has ended' }, refusedBy: 'workflow' };
  }
  return { status: 500, body: { error: 'internal', message: text }, refusedBy: 'api' };
}
