/** Every exit code of the CLI, in one place. */
export const EXIT = {
  ok: 0,
  /** The runbook (or another input file) has errors; each printed as file:line:col. */
  invalid: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The run ended failed, aborted, or missed its objectives. */
  runFailed: 3,
  /** The run or object named was not found. */
  notFound: 4,
  /** Temporal or PostgreSQL could not be reached, or a configuration value is bad. */
  unavailable: 5,
  /** The audit chain does not verify. */
  tampered: 6,
  /**
   * Refused by the current state (HTTP 409): a real run (failover/failback) of one of the services is
   * already active, or the run has ended, the step is not waiting, the runbook is registered already.
   */
  conflict: 7,
  /** The API refused the token (401) or the act for this user (403). */
  forbidden: 8,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one message line and an exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
