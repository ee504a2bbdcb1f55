/**
 * The proofs a run's input carries that a person or a schedule may start or act on it: their shapes
 * (what signs and verifies them: signed-actions.ts).
 */

/** A start or a person's action, signed by the front door for one run. */
export interface ActionAuth {
  kind: 'action';
  /** Which trusted key signed (see `keyIdOf`). */
  keyId: string;
  /** The front door's id of the request (also the audit record's and the Temporal update's id): accepted once. */
  requestId: string;
  /** When the front door signed it (ISO). */
  issuedAt: string;
  /** Ed25519 signature, hex (64 bytes). */
  signature: string;
}

/**
 * A drill schedule's standing grant, signed when the schedule was created: it lets the runs the
 * schedule starts (initiator `schedule:<scheduleId>`) begin, for exactly the pinned run (plan hash,
 * plan, mode `drill`, params, reason, task queue) of `service`.
 */
export interface ScheduleGrant {
  kind: 'schedule';
  keyId: string;
  scheduleId: string;
  service: string;
  issuedAt: string;
  signature: string;
}

/**
 * A campaign's grant of one of its phases, signed by the front door when it admitted the campaign: it
 * lets the phase's run (workflow `<campaignId>.<phaseId>`, a child of the campaign) begin, for exactly
 * the pinned run, whenever the campaign reaches it (no freshness: a phase may start hours later). The
 * run checks that its parent is the campaign (src/plan/campaign.ts).
 */
export interface CampaignPhaseGrant {
  kind: 'campaign';
  keyId: string;
  campaignId: string;
  phaseId: string;
  issuedAt: string;
  signature: string;
}
