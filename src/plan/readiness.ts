/**
 * The contract between a readiness schedule's action, the `readinessCheck` workflow and its activity
 * (docs/readiness.md). Kept in Temporal's history and in each schedule's pinned arguments: add
 * fields, never rename.
 */

export interface ReadinessCheckInput {
  service: string;
  /** Task queue of the readiness activity; default: this workflow's. */
  programmeTaskQueue?: string;
}

export interface ReadinessCheckActivityInput {
  service: string;
  /** The evaluation's id (the workflow's id and run id): the same on a retried activity. */
  evaluationId: string;
}

export interface ReadinessCheckResult {
  service: string;
  runbooks: { runbook: string; planHash: string; state: 'ready' | 'not-ready' | 'unknown'; changed: boolean }[];
}

/** `drillbook-readiness-<service>`: the schedule's id, and the prefix of the workflows it starts. */
export function readinessScheduleId(service: string): string {
  return `drillbook-readiness-${service}`;
}
