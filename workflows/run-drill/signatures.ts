/**
 * Signed actions: a run verifies the front door's signature of its start and of every person's
 * action (confirm, approve, decide, abort) with the keys its worker trusted at its start.
 */
import { ApplicationFailure, log } from '@temporalio/workflow';
import type { RunInput } from '../../src/plan/types';
import { FAILURES } from '../../src/plan/failures';
import type { ActionAuth } from '../../src/plan/action-auth';
import { verifyAction, type SignedActionName, type TrustedKey } from '../../src/plan/signed-actions';
import { verifiedStart } from '../start-verification';

export class Signatures {
  /** Whether this run verifies signatures (SIGNED_ACTIONS_PATCH): always, but for runs started before it. */
  signed = false;
  /** The front door keys this run's worker trusted at its start (undefined until then). */
  private trustedKeys?: TrustedKey[];
  /** Request ids of the signed actions accepted so far: a second use of one is a replay. */
  private readonly acceptedRequests = new Set<string>();

  constructor(
    private readonly runId: string,
    private readonly input: RunInput,
  ) {}

  /** Learns the trusted keys and verifies the start (a start that does not verify ends the run here). */
  async verifyOwnStart(): Promise<void> {
    this.trustedKeys = await verifiedStart(this.runId, this.input);
    const auth = this.input.auth;
    if (auth?.kind === 'action') this.acceptedRequests.add(auth.requestId);
  }

  /**
   * The first check of every Update's validator: signed by a trusted key, for this run and action (the
   * step and every field are inside the signature), and never accepted before. A refusal is logged by
   * the worker (the caller went around the API, which records its own refusals) and never enters the
   * run's history or trail.
   */
  check(action: SignedActionName, request: unknown): void {
    if (!this.signed) return;
    if (!this.trustedKeys) throw ApplicationFailure.nonRetryable('the run has not begun yet', FAILURES.RunNotActive);
    let refusal = verifyAction(this.trustedKeys, action, this.runId, request, Date.now());
    const requestId = (request as { auth?: ActionAuth } | undefined)?.auth?.requestId;
    if (!refusal && requestId !== undefined && this.acceptedRequests.has(requestId)) refusal = `request ${requestId} was already accepted (a replay)`;
    if (!refusal) return;
    const claimed = request && typeof request === 'object' ? (request as { actor?: unknown; stepId?: unknown }) : {};
    // The workflow logger adds the workflow id, run id and update id.
    log.warn('drillbook: refused an action that the front door did not sign', {
      action,
      refusal,
      claimedActor: String(claimed.actor ?? '').slice(0, 100),
      stepId: String(claimed.stepId ?? '').slice(0, 100),
    });
    throw ApplicationFailure.nonRetryable(`${action} refused: ${refusal}`, FAILURES.ActionNotSigned);
  }

  /** Remembers an accepted action's request id (in the handler: it runs again on replay, so the set is rebuilt). */
  accepted(request: { auth?: ActionAuth }): void {
    if (this.signed && request.auth?.requestId) this.acceptedRequests.add(request.auth.requestId);
  }
}

/**
 * The front door's request id of a signed action, for its event: the same id as the API's
 * `action.requested` record, so the trail ties what the run did to who asked through the API.
 */
export function signedRequest(request: { auth?: ActionAuth }): { requestId?: string } {
  return request.auth?.requestId ? { requestId: request.auth.requestId } : {};
}
