/**
 * Roles and what each may do through the API. A runbook's approval step names the role its approvers
 * must hold (often `approver`, or a runbook's own role such as `dba-lead`): that check is the step's,
 * on top of these.
 */
export const BUILTIN_ROLES = ['operator', 'approver', 'auditor', 'admin'] as const;
export type BuiltinRole = (typeof BUILTIN_ROLES)[number];

/** A role name: built in, or a runbook's own approval role. */
export const ROLE_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;

/** The human actions of the API, and the built-in roles allowed to perform each. */
export const ACTION_ROLES = {
  /** Read a run's progress and trail. */
  read: ['operator', 'approver', 'auditor', 'admin'],
  start: ['operator'],
  confirm: ['operator'],
  /** Approval also needs the step's own role; this list is empty because the step decides. */
  approve: [],
  decide: ['operator'],
  abort: ['operator'],
  /** Emergency stop without compensation: an administrator's act. */
  terminate: ['admin'],
  /** Users, roles and tokens, through the API (the first admin is bootstrapped on the server's host). */
  manageUsers: ['admin'],
  /** See who holds which role and which tokens (prefixes, never tokens): an access review is an auditor's work too. */
  reviewAccess: ['admin', 'auditor'],
  /** Evaluate the readiness of registered runbooks now, between the schedule's evaluations. */
  checkReadiness: ['operator', 'admin'],
  /** Register a runbook version for real runs, or revoke it. */
  manageRunbooks: ['admin'],
  /** Findings: those who run drills and those who review them raise them; the business owner too. */
  raiseFinding: ['operator', 'approver', 'auditor'],
  /** A finding's new revision; closing one is an auditor's (src/api/routes/findings.ts). */
  reviseFinding: ['operator', 'auditor'],
  /** Remediation actions are the infra team's work: an auditor checks them, never owns them. */
  manageFindingActions: ['operator'],
  /** Accepting a risk is the business owner's call (the approver), never the operator's or the auditor's. */
  acceptRisk: ['approver'],
  /** Sign an ended run off; which capacity needs which role is src/findings/signoff-rules.ts's. */
  signoff: ['operator', 'approver', 'auditor', 'admin'],
} as const satisfies Record<string, readonly BuiltinRole[]>;

export type HumanAction = keyof typeof ACTION_ROLES;
