/**
 * Signed human actions: what the front door (`drillbook serve`) signs and what a run verifies. Every
 * action it admits — a run's start, confirm, approve, decide, abort — carries an `auth` field: an
 * Ed25519 signature over the canonical JSON of {action, runId, the whole input but `auth` (a start's
 * plan included), requestId, issuedAt}. A scheduled run carries instead the grant its schedule got when it was created.
 *
 * Pure and deterministic (bundled into workflow code): canonical bytes and `@noble/curves` ed25519,
 * no `node:` imports. Signing and key loading (node:crypto, files) live in src/security/.
 */
import { ed25519 } from '@noble/curves/ed25519';
// The utilities of @noble/curves itself (a dependency of ours; @noble/hashes is only its dependency).
import { hexToBytes, utf8ToBytes } from '@noble/curves/abstract/utils';
import { canonicalJson } from './canonical';
import type { ActionAuth, CampaignPhaseGrant, ScheduleGrant } from './action-auth';
import type { RunInput } from './types';

/** Separates drillbook's signatures from any other use of the same key. */
export const SIGNED_ACTION_DOMAIN = 'drillbook.signed-action.v1';

/** `campaign`: a campaign's start; `phase`: a campaign's grant of one phase's run (see CampaignPhaseGrant). */
export const SIGNED_ACTIONS = ['start', 'confirm', 'approve', 'decide', 'abort', 'schedule', 'campaign', 'phase'] as const;
export type SignedActionName = (typeof SIGNED_ACTIONS)[number];

/** A public key a worker trusts: raw 32 bytes as hex, and its id (first 16 hex digits of their sha256). */
export interface TrustedKey {
  keyId: string;
  publicKey: string;
}

/** How long a signed action stays good: bounds a replay onto a later run that reuses a workflow id. */
export const ACTION_VALIDITY_MS = 15 * 60_000;

/** The bytes the front door signs for an action on `runId` (input without `auth`). */
export function actionSigningBytes(action: SignedActionName, runId: string, input: object, requestId: string, issuedAt: string): Uint8Array {
  const { auth: _auth, ...signedInput } = input as { auth?: unknown };
  return utf8ToBytes(canonicalJson({ domain: SIGNED_ACTION_DOMAIN, action, runId, input: signedInput, requestId, issuedAt }));
}

/** What a schedule's grant signs: the schedule, its service and the whole pinned run (plan included) but its initiator. */
export function grantSigningInput(scheduleId: string, service: string, run: object): object {
  const { auth: _auth, initiator: _initiator, ...rest } = run as Partial<RunInput>;
  return { scheduleId, service, run: rest };
}

/** The subject a grant is signed for (in place of a run id). */
export function grantSubject(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}

/** The grant's bytes: signed once per schedule pin, with the schedule id as its request id. */
export function grantSigningBytes(grant: Pick<ScheduleGrant, 'scheduleId' | 'service' | 'issuedAt'>, run: object): Uint8Array {
  return actionSigningBytes('schedule', grantSubject(grant.scheduleId), grantSigningInput(grant.scheduleId, grant.service, run), grant.scheduleId, grant.issuedAt);
}

/** Why a signed thing was refused (a sentence), or undefined when it verifies. Never throws. */
export type Refusal = string | undefined;

function verifySignature(trusted: readonly TrustedKey[], keyId: unknown, signature: unknown, bytes: () => Uint8Array): Refusal {
  if (typeof keyId !== 'string' || typeof signature !== 'string') return 'the signature is malformed';
  const key = trusted.find((k) => k.keyId === keyId);
  if (!key) return `signed by key ${keyId.slice(0, 16)}, which this worker does not trust`;
  if (!/^[0-9a-f]{128}$/.test(signature)) return 'the signature is malformed';
  try {
    // Strict RFC 8032 verification (as node:crypto signs), not ZIP-215's looser rules.
    return ed25519.verify(hexToBytes(signature), bytes(), hexToBytes(key.publicKey), { zip215: false }) ? undefined : 'the signature does not match (altered, or signed for another run, action or step)';
  } catch {
    return 'the signature is malformed';
  }
}

function isActionAuth(auth: unknown): auth is ActionAuth {
  const a = auth as Partial<ActionAuth> | undefined;
  return !!a && typeof a === 'object' && a.kind === 'action' && typeof a.requestId === 'string' && a.requestId.length > 0 && typeof a.issuedAt === 'string';
}

/**
 * Verifies a person's action (an Update's input) on run `runId`: signed by a trusted key, for this
 * run and action, recently (`nowMs`: the workflow's clock). Replays are the caller's to refuse (by
 * `auth.requestId`).
 */
export function verifyAction(trusted: readonly TrustedKey[], action: SignedActionName, runId: string, input: unknown, nowMs: number): Refusal {
  const auth = input && typeof input === 'object' ? (input as { auth?: unknown }).auth : undefined;
  if (auth === undefined || auth === null) return `the ${action} is not signed by the front door (drillbook serve)`;
  if (!isActionAuth(auth)) return `the ${action}'s signature is malformed`;
  const issued = Date.parse(auth.issuedAt);
  if (!Number.isFinite(issued) || Math.abs(nowMs - issued) > ACTION_VALIDITY_MS) return `the ${action}'s signature is not current (issued ${auth.issuedAt})`;
  return verifySignature(trusted, auth.keyId, auth.signature, () => actionSigningBytes(action, runId, input as object, auth.requestId, auth.issuedAt));
}

/** A campaign phase's run id: `<campaignId>.<phaseId>` (a phase id is a step-like id: no dots). */
export function phaseRunId(campaignId: string, phaseId: string): string {
  return `${campaignId}.${phaseId}`;
}

/** The run id of a phase's `execution` (1: the phase's run id; after retries: `-2`, `-3`). */
export function phaseExecutionRunId(campaignId: string, phaseId: string, execution: number): string {
  const first = phaseRunId(campaignId, phaseId);
  return execution === 1 ? first : `${first}-${execution}`;
}

/** The bytes of a campaign's grant of phase `phaseId`: its run (without `auth`), for its run id. */
export function phaseGrantSigningBytes(grant: Pick<CampaignPhaseGrant, 'campaignId' | 'phaseId' | 'issuedAt'>, run: object): Uint8Array {
  return actionSigningBytes('phase', phaseRunId(grant.campaignId, grant.phaseId), run, grant.campaignId, grant.issuedAt);
}

/**
 * Verifies a start the front door signed as `action` for workflow `runId` (its whole input), issued
 * near `startedMs` (the time Temporal started it).
 */
export function verifySignedStart(trusted: readonly TrustedKey[], action: 'start' | 'campaign', runId: string, input: { auth?: unknown }, startedMs: number): Refusal {
  const auth = input.auth;
  if (!auth || typeof auth !== 'object') return 'the start is not signed by the front door (drillbook serve)';
  if (!isActionAuth(auth)) return "the start's signature is malformed";
  const issued = Date.parse(auth.issuedAt);
  if (!Number.isFinite(issued) || Math.abs(startedMs - issued) > ACTION_VALIDITY_MS) return `the start's signature is not current (issued ${auth.issuedAt})`;
  return verifySignature(trusted, auth.keyId, auth.signature, () => actionSigningBytes(action, runId, input, auth.requestId, auth.issuedAt));
}

/**
 * Verifies the start of a campaign a schedule starts (`scheduledCampaign`): the schedule's grant
 * covers exactly this campaign (its phases with their own grants, plans, params), for initiator
 * `schedule:<scheduleId>`, drills only. Like a drill schedule's grant it does not expire: the schedule
 * starts its campaign months after it was signed.
 */
export function verifyScheduledCampaignStart(
  trusted: readonly TrustedKey[],
  input: { auth?: unknown; initiator?: unknown; mode?: unknown; phases?: ReadonlyArray<{ run?: Partial<Pick<RunInput, 'mode' | 'plan'>> }> },
): Refusal {
  const auth = input.auth as ScheduleGrant | undefined;
  if (!auth || typeof auth !== 'object' || auth.kind !== 'schedule') return 'the start is not signed by the front door (drillbook serve)';
  if (typeof auth.scheduleId !== 'string' || typeof auth.service !== 'string' || typeof auth.issuedAt !== 'string') return "the schedule's grant is malformed";
  if (input.initiator !== grantSubject(auth.scheduleId)) return `the schedule's grant is for ${grantSubject(auth.scheduleId)}, not for initiator ${String(input.initiator)}`;
  const phases = Array.isArray(input.phases) ? input.phases : [];
  if (input.mode !== 'drill' || phases.some((p) => p?.run?.mode !== 'drill')) return "a schedule's grant only starts drills";
  if (!phases.some((p) => p?.run?.plan?.services?.includes(auth.service))) return `the schedule's grant is for service ${auth.service}, which no phase names`;
  return verifySignature(trusted, auth.keyId, auth.signature, () => grantSigningBytes(auth, input));
}

/**
 * Verifies a run's start (its whole input, plan included): either the front door signed this start of
 * workflow `runId` (issued near `startedMs`, the time Temporal started it), or it is a drill of a
 * schedule whose grant covers exactly this run, or a phase of a campaign (`parentId`: the workflow
 * that started this one) whose grant covers exactly this run.
 */
export function verifyStart(trusted: readonly TrustedKey[], runId: string, input: RunInput, startedMs: number, parentId?: string): Refusal {
  const auth = input.auth as ActionAuth | ScheduleGrant | CampaignPhaseGrant | undefined;
  if (!auth || typeof auth !== 'object') return 'the start is not signed by the front door (drillbook serve)';
  if (auth.kind === 'campaign') {
    if (typeof auth.campaignId !== 'string' || typeof auth.phaseId !== 'string' || typeof auth.issuedAt !== 'string') return "the campaign's grant is malformed";
    if (parentId !== auth.campaignId) return `the campaign's grant is for a phase of ${auth.campaignId}, started by ${parentId ?? 'no campaign'}`;
    const first = phaseRunId(auth.campaignId, auth.phaseId);
    if (runId !== first && !(runId.startsWith(`${first}-`) && /^[1-9][0-9]*$/.test(runId.slice(first.length + 1)))) return `the campaign's grant is for run ${first} (or its retries), not ${runId}`;
    return verifySignature(trusted, auth.keyId, auth.signature, () => phaseGrantSigningBytes(auth, input));
  }
  if (auth.kind === 'schedule') {
    if (typeof auth.scheduleId !== 'string' || typeof auth.service !== 'string' || typeof auth.issuedAt !== 'string') return "the schedule's grant is malformed";
    if (input.initiator !== grantSubject(auth.scheduleId)) return `the schedule's grant is for ${grantSubject(auth.scheduleId)}, not for initiator ${input.initiator}`;
    if (input.mode !== 'drill') return "a schedule's grant only starts drills";
    if (!input.plan.services.includes(auth.service)) return `the schedule's grant is for service ${auth.service}, which the plan does not name`;
    return verifySignature(trusted, auth.keyId, auth.signature, () => grantSigningBytes(auth, input));
  }
  return verifySignedStart(trusted, 'start', runId, input, startedMs);
}
