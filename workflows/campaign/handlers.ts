/**
 * The campaign's messages: the progress query, a decision on a failed phase, and abort (forwarded to
 * the running phase). Updates are validated synchronously, signatures first, as a run's are: a
 * refused one never lands in history.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { abortCampaign, abortFromCampaign, decideOnPhase, getCampaignProgress } from '../../src/plan/campaign';
import { FAILURES } from '../../src/plan/failures';
import type { AbortRunInput } from '../../src/plan/run-messages';
import { checkAbortFields } from '../run-drill/compensation';
import { checkDecisionFields } from '../run-drill/decisions';
import { signedRequest } from '../run-drill/signatures';
import type { CampaignContext } from './state';

export function registerCampaignHandlers(c: CampaignContext): void {
  setHandler(getCampaignProgress, () => c.progress());
  setHandler(
    decideOnPhase,
    (decision) => {
      c.signatures.accepted(decision);
      c.decision = decision;
    },
    {
      validator: (decision) => {
        c.signatures.check('decide', decision);
        if (c.endedAt || c.abortRequest) throw ApplicationFailure.nonRetryable('the campaign is no longer running', FAILURES.RunNotActive);
        if (!c.awaiting || c.awaiting.phaseId !== decision.stepId || c.decision) {
          throw ApplicationFailure.nonRetryable(
            `phase "${String(decision.stepId)}" is not waiting for a decision` + (c.awaiting ? ` (waiting: ${c.awaiting.phaseId})` : ' (no phase is waiting)'),
            FAILURES.NoDecisionPending,
          );
        }
        checkDecisionFields(decision);
      },
    },
  );
  setHandler(
    abortCampaign,
    (request) => {
      c.signatures.accepted(request);
      requestCampaignAbort(c, request);
    },
    {
      validator: (request) => {
        c.signatures.check('abort', request);
        if (c.endedAt || c.abortRequest) throw ApplicationFailure.nonRetryable('the campaign is no longer running', FAILURES.RunNotActive);
        checkAbortFields(request);
      },
    },
  );
}

/** Aborts once: records it and forwards it to the running phase, which unwinds its compensations. */
export function requestCampaignAbort(c: CampaignContext, request: AbortRunInput): void {
  if (c.abortRequest) return;
  c.abortRequest = request;
  c.state = 'aborting';
  c.record('run.abort_requested', undefined, request.actor, { reason: request.reason, ...signedRequest(request) }, 'abort');
  forwardAbort(c);
}

/** Sends the campaign's abort (as the front door signed it) to the running phase, if any. */
export function forwardAbort(c: CampaignContext): void {
  // Only a person's signed abort travels: the phase checks the signature against its parent.
  // A phase that has just ended cannot take the signal: nothing is left to abort there.
  if (c.current && c.abortRequest?.auth) void c.current.signal(abortFromCampaign, c.abortRequest).catch(() => undefined);
}
