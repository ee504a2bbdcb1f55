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
