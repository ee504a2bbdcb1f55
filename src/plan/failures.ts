/**
 * The catalog of `ApplicationFailure` types: what crosses Temporal when a step, a check or an adapter
 * fails. Workflow code, activities, the API and the console branch on these strings, and they are
 * kept in histories and the audit trail: add entries, never rename one. Pure data (no `node:`
 * imports): this folder is bundled into workflow code.
 *
 * Retryability is decided where the failure is thrown (`nonRetryable`), not here: the same type can
 * be transient in one adapter and definitive in another (see each adapter's header).
 */
export const FAILURES = {
  // --- Run and step level (thrown by the interpreter workflow and the step activities) ---
  /** A step did not finish within its `timeout`. */
  StepTimedOut: 'StepTimedOut',
  /** A step failed and the operator's decision (or its `onFailure`) ends it as failed. */
  StepFailed: 'StepFailed',
  /** The run was aborted by an operator (`abortRun`) or by a guard; compensations follow. */
  RunAborted: 'RunAborted',
  /** A step's kind is not known to this interpreter version (a plan newer than the worker). */
  StepKindUnsupported: 'StepKindUnsupported',
  /** A member of a `sequence` failed; its details carry what each member did up to then. */
  SequenceMemberFailed: 'SequenceMemberFailed',

  // --- Operator requests refused by an update validator (nothing is recorded in history) ---
  /** The run has ended or is aborting: it takes no more decisions or aborts. */
  RunNotActive: 'RunNotActive',
  /** A decision names a step that is not waiting for one. */
  NoDecisionPending: 'NoDecisionPending',
  /** A decision or abort request is malformed (unknown decision, missing reason or actor). */
  InvalidDecision: 'InvalidDecision',
  /** A confirm or approval names a step that is not a manual/approval step waiting for people. */
  StepNotWaiting: 'StepNotWaiting',
  /** A confirm lacks an evidence field the manual step requires. */
  EvidenceMissing: 'EvidenceMissing',
  /** An approval the four-eyes rules refuse: the initiator, or someone without the step's role. */
  ApprovalRefused: 'ApprovalRefused',
  /** The same person approved this step already: N distinct approvers are needed. */
  ApprovalDuplicate: 'ApprovalDuplicate',
  /**
   * An action not signed by the front door, badly signed, signed for another run, action or step, by a
   * key the worker does not trust, or a replay of an action already accepted.
   */
  ActionNotSigned: 'ActionNotSigned',
  /** A run whose start was not signed by the front door (nor granted by a schedule): it does not begin. */
  StartNotSigned: 'StartNotSigned',

  // --- Human steps and guards ---
  /** An approval's `timeout` passed before enough approvers approved. */
  ApprovalTimedOut: 'ApprovalTimedOut',
  /** A guard's expectation became false while the run was active. */
  GuardViolated: 'GuardViolated',

  // --- Checks ---
  /** A check's expectation is false (after its `within`, if polled), or an adapter's own `expect` is not met. */
  ExpectationNotMet: 'ExpectationNotMet',
  /** A check's expectation is still false while polling `until … within`: BENIGN, polled again. */
  CheckNotSatisfiedYet: 'CheckNotSatisfiedYet',

  // --- Adapter level (thrown by activities/adapters/*) ---
  /** A step names an adapter that is not in the registry of this worker. */
  AdapterUnknown: 'AdapterUnknown',
  /** A rendered adapter input does not match the adapter's schema. */
  AdapterInputInvalid: 'AdapterInputInvalid',
  /** One adapter call (HTTP request, query, process) exceeded its own `timeoutMs`. */
  AdapterTimedOut: 'AdapterTimedOut',
  /** A secret reference could not be resolved (unset variable, unreadable or empty file, bad form). */
  SecretUnavailable: 'SecretUnavailable',
  /** An HTTP request got no response: connection refused or reset, DNS, TLS. */
  HttpRequestFailed: 'HttpRequestFailed',
  /** An HTTP response's status is not the expected one (default: any 2xx). */
  HttpStatusUnexpected: 'HttpStatusUnexpected',
  /** A process could not be started (binary missing, not executable, bad cwd). */
  ProcessSpawnFailed: 'ProcessSpawnFailed',
  /** A process exited with another code than expected, or was killed by a signal it was not sent by us. */
  ProcessExitCode: 'ProcessExitCode',
  /** A step names a PostgreSQL connection that this worker's site configuration does not define. */
  ConnectionUnknown: 'ConnectionUnknown',
  /** PostgreSQL could not be reached or refused the session (network, authentication, startup). */
  PostgresConnectionFailed: 'PostgresConnectionFailed',
  /** PostgreSQL refused or failed a statement (SQLSTATE in the details). */
  PostgresQueryFailed: 'PostgresQueryFailed',
  /** `pg_promote` did not finish promoting the standby within its wait. */
  PromoteFailed: 'PromoteFailed',
} as const;

export type FailureType = (typeof FAILURES)[keyof typeof FAILURES];

/** True if `type` is one of the catalog's names (e.g. when reading a failure back from history). */
export function isFailureType(type: unknown): type is FailureType {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(FAILURES, type);
}
