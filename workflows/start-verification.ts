/**
 * The check every run (and every scheduled drill's wrapper) makes before it does anything: learn the
 * front door keys this worker trusts (a local activity, kept in history) and verify the start's
 * signature or schedule grant. A start that does not verify is recorded once on the `security` chain
 * — as what it claimed, never as a run — and ends the workflow (non-retryable).
 */
import { ApplicationFailure, log, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { SigningActivities } from '../activities/signing-activities';
import { FAILURES } from '../src/plan/failures';
import { verifyStart, type TrustedKey } from '../src/plan/signed-actions';
import type { RunInput } from '../src/plan/types';

/** Patch of every workflow command added for signed actions (runDrill, scheduledDrill). */
export const SIGNED_ACTIONS_PATCH = 'signed-actions-2026-12';

const signing = proxyLocalActivities<SigningActivities>({
  // Local: the worker answers from its configuration in microseconds; a refused start's record is one INSERT.
  startToCloseTimeout: '30s',
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

/**
 * @param runId the workflow id the start was signed for
 * @returns the trusted keys (the run verifies its Updates with them)
 * @throws ApplicationFailure `StartNotSigned`, non-retryable, after recording the refusal
 */
export async function verifiedStart(runId: string, input: RunInput): Promise<TrustedKey[]> {
  const claimed = (input ?? {}) as Partial<RunInput>;
  return verifiedBy(
    (trusted, startedMs, parentId) => verifyStart(trusted, runId, input, startedMs, parentId),
    runId,
    {
      initiator: String(claimed.initiator ?? ''),
      planHash: String(claimed.planHash ?? ''),
      mode: String(claimed.mode ?? ''),
      runbook: String(claimed.plan?.runbook?.name ?? ''),
      keyId: typeof claimed.auth?.keyId === 'string' ? claimed.auth.keyId : null,
    },
  );
}

/** What a refused start claimed to be, for its record on the `security` chain. */
export type ClaimedStart = Parameters<SigningActivities['recordRefusedStart']>[0]['claimed'];

/**
 * The trusted keys, once `refusalOf` (given them, when Temporal started this execution and the
 * workflow that started it, if any) finds nothing wrong; else the refusal recorded as `claimed`, and
 * the workflow ends.
 */
export async function verifiedBy(
  refusalOf: (trusted: TrustedKey[], startedMs: number, parentId: string | undefined) => string | undefined,
  signedFor: string,
  claimed: ClaimedStart,
): Promise<TrustedKey[]> {
  const trusted = await signing.trustedSigningKeys();
  const info = workflowInfo();
  // When Temporal started the execution (its start event), the same in every replay.
  const refusal = refusalOf(trusted, info.startTime.getTime(), info.parent?.workflowId);
  if (!refusal) return trusted;
  // The workflow logger adds the workflow id and run id.
  log.warn('drillbook: refused a start that the front door did not sign', { signedFor, refusal });
  await signing.recordRefusedStart({ runId: info.workflowId, temporalRunId: info.runId, refusal, claimed });
  throw ApplicationFailure.nonRetryable(`the run was not started through the front door: ${refusal}`, FAILURES.StartNotSigned);
}
