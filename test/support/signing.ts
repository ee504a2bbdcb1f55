/**
 * Signed actions in tests: the front door's key pair generated once per jest run (global-setup.ts
 * exports it as DRILLBOOK_SIGNING_KEY / DRILLBOOK_TRUSTED_KEYS, so workers, the API and child
 * processes share it). Tests that start runs or send Updates straight to Temporal sign like the API.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { RunInput } from '../../src/plan/types';
import { abortRun, approveStep, confirmStep, decideOnFailure } from '../../src/plan/run-messages';
import type { AbortRunInput, ApproveStepInput, ConfirmStepInput, DecideOnFailureInput } from '../../src/plan/run-messages';
import { signedInput, type ActionSigner } from '../../src/security/action-signer';
import { loadActionSigner } from '../../src/security/signing-keys';
import { startRun } from '../../src/temporal/start-run';

let signer: Promise<ActionSigner> | undefined;

/** The front door's signer of this jest run. */
export function testSigner(): Promise<ActionSigner> {
  signer ??= loadActionSigner();
  return signer;
}

interface UpdateInputs {
  confirm: ConfirmStepInput;
  approve: ApproveStepInput;
  decide: DecideOnFailureInput;
  abort: AbortRunInput;
}

/** `input` signed by the front door for `action` on run `runId`, as the API sends it. */
export async function signed<A extends keyof UpdateInputs>(action: A, runId: string, input: UpdateInputs[A], requestId?: string): Promise<UpdateInputs[A]> {
  return signedInput(await testSigner(), action, runId, input, requestId);
}

const updates = { confirm: confirmStep, approve: approveStep, decide: decideOnFailure, abort: abortRun };

/** Sends the Update for `action` to the run of `handle`, its input signed by the front door as the API does. */
export async function sendSigned<A extends keyof UpdateInputs>(handle: WorkflowHandle, action: A, input: UpdateInputs[A]): Promise<void> {
  const update = updates[action] as unknown as typeof abortRun;
  await handle.executeUpdate(update, { args: [(await signed(action, handle.workflowId, input)) as unknown as AbortRunInput] });
}

/** `startRun` with the front door's signature. */
export async function startSignedRun(client: Client, input: RunInput, opts: { workflowId?: string } = {}) {
  return startRun(client, input, { ...opts, signer: await testSigner() });
}

/** The message of the validator's refusal of an Update (the client wraps it in a WorkflowUpdateFailedError). */
export async function updateRefusal(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    const e = err as { cause?: { message?: string }; message: string };
    return e.cause?.message ?? e.message;
  }
  throw new Error('the update was accepted');
}
