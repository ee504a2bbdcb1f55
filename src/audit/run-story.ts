/** The whole story of one run, from PostgreSQL alone (no Temporal needed). */
import type { Db } from './database';
import { listRunEvents, type AuditEventRecord } from './audit-events';
import { getRun, type RunRecord } from './runs';
import { listStepResults, type StepResult } from './step-results';

export interface RunStory {
  /** null when the run's start was never recorded (its events may still exist). */
  run: RunRecord | null;
  steps: StepResult[];
  /** In seq order. */
  events: AuditEventRecord[];
}

/**
 * Reads the run, its step results and its events. Pass a repeatable-read transaction for one
 * consistent snapshot while the run is live.
 */
export async function getRunStory(db: Db, runId: string): Promise<RunStory> {
  const [run, steps, events] = await Promise.all([getRun(db, runId), listStepResults(db, runId), listRunEvents(db, runId)]);
  return { run: run ?? null, steps, events };
}
