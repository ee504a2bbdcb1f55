/** Past and live runs for the CLI's `history` command, with objectives attainment computed from evidence. */
import type { Db } from './database';
import { listRuns, type RunSummary } from './runs';

export interface RunHistoryEntry extends RunSummary {
  /** endedAt - startedAt, or null while running. */
  durationMs: number | null;
  /** Measured RTO within its target; null when either is unknown. */
  rtoMet: boolean | null;
  rpoMet: boolean | null;
}

export interface RunHistoryFilter {
  service?: string;
  runbook?: string;
  /** Only runs started before this (paging). */
  startedBefore?: Date;
  limit: number;
}

/** Newest first. */
export async function listRunHistory(db: Db, filter: RunHistoryFilter): Promise<RunHistoryEntry[]> {
  const runs = await listRuns(db, filter);
  return runs.map((run) => ({
    ...run,
    durationMs: run.endedAt ? run.endedAt.getTime() - run.startedAt.getTime() : null,
    rtoMet: attained(run.rtoMs, run.objectives.rtoMs),
    rpoMet: attained(run.rpoMs, run.objectives.rpoMs),
  }));
}

function attained(measured: number | null, target: number | undefined): boolean | null {
  return measured === null || target === undefined ? null : measured <= target;
}
