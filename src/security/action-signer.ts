/**
 * The front door's signer: signs the actions `drillbook serve` admits (and the grants of drill
 * schedules) with its Ed25519 private key, over the bytes src/plan/signed-actions.ts defines and
 * the workflow verifies. The private key never leaves this object.
 */
import { createHash, createPublicKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { ActionAuth, CampaignPhaseGrant, ScheduleGrant } from '../plan/action-auth';
import { actionSigningBytes, grantSigningBytes, phaseGrantSigningBytes, type SignedActionName, type TrustedKey } from '../plan/signed-actions';

export interface ActionSigner {
  /** The public half, as workers trust it. */
  readonly trustedKey: TrustedKey;
  /** Signs `action` on run `runId` (a workflow id) of `input` (without `auth`); a fresh request id unless given. */
  signAction(action: Exclude<SignedActionName, 'schedule' | 'phase'>, runId: string, input: object, requestId?: string): ActionAuth;
  /** The standing grant of a drill schedule for its pinned run (`run`: the run it starts, without initiator). */
  grantSchedule(scheduleId: string, service: string, run: object): ScheduleGrant;
  /** A campaign's grant of phase `phaseId` for its pinned run (without `auth`). */
  grantPhase(campaignId: string, phaseId: string, run: object): CampaignPhaseGrant;
}

/** The raw 32 bytes of an Ed25519 public key, hex. */
export function publicKeyHex(key: KeyObject): string {
  const jwk = key.export({ format: 'jwk' }) as { x?: string };
  if (!jwk.x) throw new Error('not an Ed25519 key');
  return Buffer.from(jwk.x, 'base64url').toString('hex');
}

/** A key's id: the first 16 hex digits of sha256 of its raw 32 bytes (as in src/plan/signed-actions.ts). */
export function keyIdOf(publicKeyHexValue: string): string {
  return createHash('sha256').update(Buffer.from(publicKeyHexValue, 'hex')).digest('hex').slice(0, 16);
}

export function trustedKeyOf(key: KeyObject): TrustedKey {
  const hex = publicKeyHex(key.type === 'private' ? createPublicKey(key) : key);
  return { keyId: keyIdOf(hex), publicKey: hex };
}

export function createActionSigner(privateKey: KeyObject): ActionSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw new Error('the signing key must be an Ed25519 private key');
  const trustedKey = trustedKeyOf(privateKey);
  return {
    trustedKey,
    signAction(action, runId, input, requestId = randomUUID()) {
      const issuedAt = new Date().toISOString();
      const signature = sign(null, actionSigningBytes(action, runId, input, requestId, issuedAt), privateKey).toString('hex');
      return { kind: 'action', keyId: trustedKey.keyId, requestId, issuedAt, signature };
    },
    grantSchedule(scheduleId, service, run) {
      const issuedAt = new Date().toISOString();
      const signature = sign(null, grantSigningBytes({ scheduleId, service, issuedAt }, run), privateKey).toString('hex');
      return { kind: 'schedule', keyId: trustedKey.keyId, scheduleId, service, issuedAt, signature };
    },
    grantPhase(campaignId, phaseId, run) {
      const issuedAt = new Date().toISOString();
      const signature = sign(null, phaseGrantSigningBytes({ campaignId, phaseId, issuedAt }, run), privateKey).toString('hex');
      return { kind: 'campaign', keyId: trustedKey.keyId, campaignId, phaseId, issuedAt, signature };
    },
  };
}

/** `input` with the front door's signature of `action` on `runId` in its `auth` field. */
export function signedInput<T extends object>(
  signer: ActionSigner,
  action: Exclude<SignedActionName, 'schedule' | 'phase'>,
  runId: string,
  input: T,
  requestId?: string,
): T & { auth: ActionAuth } {
  return { ...input, auth: signer.signAction(action, runId, input, requestId) };
}
