/**
 * Signed actions in tests: the front door's key pair generated once per jest run (global-setup.ts
 * exports it as DRILLBOOK_SIGNING_KEY / DRILLBOOK_TRUSTED_KEYS, so workers, the API and child
 * processes share it). Tests that start runs or send Updates straight to Temporal sign like the API.
 */
import type { Client } from '@temporalio/client';
import type { RunInput } from '../../src/plan/types';
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

/** `startRun` with the front door's signature. */
export async function startSignedRun(client: Client, input: RunInput, opts: { workflowId?: string } = {}) {
  return startRun(client, input, { ...opts, signer: await testSigner() });
}
