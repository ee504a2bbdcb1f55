/** Every exit code of the CLI, in one place. */
export const EXIT = {
  ok: 0,
  /** The runbook (or another input file) has errors; each printed as file:line:col. */
  invalid: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** The run ended without a pass: verdict `partial` or `fail` (failed, aborted, missed its objectives), or no verdict. */
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
  /** The run has not ended yet (`status`, `watch --once`): neither a pass nor a failure, so neither 0 nor 3. */
  running: 9,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The verdicts a run ends with (src/plan/run-messages.ts RunResult): pass, partial (steps failed or were skipped by a decision), fail. */
export type Verdict = 'pass' | 'partial' | 'fail';

/**
 * One rule for every command that reports a run (`run --wait/--watch`, `status`, `watch`): a run that
 * has not ended exits 9, an ended one by its verdict — 0 for `pass` only, 3 for `partial`, `fail` or
 * no verdict recorded (the workflow itself failed, or was terminated).
 */
export function exitCodeOfRun(run: { ended: boolean; verdict: string | null | undefined }): ExitCode {
  if (!run.ended) return EXIT.running;
  return run.verdict === 'pass' ? EXIT.ok : EXIT.runFailed;
}

/** Whether the audit trail's status of a run (runs.status) says it ended: `running` and `paused` are live. */
export function endedByTrailStatus(status: string): boolean {
  return status !== 'running' && status !== 'paused';
}

/** An error the CLI reports as one message line and an exit code (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}
