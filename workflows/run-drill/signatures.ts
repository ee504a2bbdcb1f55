/**
 * Signed actions: a run verifies the front door's signature of its start and of every person's
 * action (confirm, approve, decide, abort) with the keys its worker trusted at its start.
 */
import { ApplicationFailure, log, workflowInfo } from '@temporalio/workflow';
import type { RunInput } from '../../src/plan/types';
import { FAILURES } from '../../src/plan/failures';
import type { ActionAuth } from '../../src/plan/action-auth';
import { verifyAction, type SignedActionName, type TrustedKey } from '../../src/plan/signed-actions';

export class Signatures {
  /** Whether this run verifies signatures (SIGNED_ACTIONS_PATCH): always, but for runs started before it. */
  signed = false;
  /** The front door keys this run's worker trusted at its start (undefined until then). */
  private trustedKeys?: TrustedKey[];
  /** Request ids of the signed actions accepted so far: a second use of one is a replay. */
  private readonly acceptedRequests = new Set<string>();

  /**
   * @param verifyStart verifies the start and returns the trusted keys (a run's: verifiedStart; a
   *   campaign's: its own), ending the workflow when the start does not verify
   */
  constructor(
    private readonly runId: string,
    private readonly input: Pick<RunInput, 'auth'>,
    private readonly verifyStart: () => Promise<TrustedKey[]>,
  ) {}

  /** Learns the trusted keys and verifies the start (a start that does not verify ends the run here). */
  async verifyOwnStart(): Promise<void> {
    this.trustedKeys = await this.verifyStart();
    const auth = this.input.auth;
    if (auth?.kind === 'action') this.acceptedRequests.add(auth.requestId);
  }

  /**
   * Why a campaign's abort forwarded to this run (a phase) is refused, or undefined: it must be
   * signed by the front door as an `abort` of the campaign that granted and started this run.
   */
  campaignAbortRefusal(request: unknown): string | undefined {
    const auth = this.input.auth;
    const parent = workflowInfo().parent?.workflowId;
    if (!this.signed || !this.trustedKeys || auth?.kind !== 'campaign' || parent !== auth.campaignId) return 'this run is not a phase of a campaign';
    const refusal = verifyAction(this.trustedKeys, 'abort', parent, request, Date.now());
    if (refusal) log.warn("drillbook: refused a campaign's abort that the front door did not sign", { refusal, campaign: parent });
    return refusal;
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
