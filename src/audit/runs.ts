/** Queries of `runs`, the per-run projection. Each takes a connection or a transaction. */
import { sql } from 'kysely';
import type { Json, Mode, Objectives } from '../plan/types';
import type { Db } from './database';
import { releaseServiceLocks } from '../real-runs/service-locks';
import { jsonb } from './jsonb';
import type { RunRow, RunStatus } from './tables/runs';

export interface RunStarted {
  runId: string;
  temporalRunId?: string | null;
  runbookName: string;
  runbookVersion: string;
  planHash: string;
  plan: Json;
  mode: Mode;
  /** As given; secrets are references, never values. */
  params: Record<string, string | number | boolean>;
  services: string[];
  initiator: string;
  reason: string;
  objectives: Objectives;
  startedAt: Date;
  /** Default `running`. */
  status?: RunStatus;
}

export interface RunEnded {
  runId: string;
  status: RunStatus;
  verdict: string | null;
  endedAt: Date;
  rtoMs: number | null;
  rpoMs: number | null;
}

export interface RunRecord extends Required<Omit<RunStarted, 'temporalRunId'>> {
  temporalRunId: string | null;
  verdict: string | null;
  endedAt: Date | null;
  rtoMs: number | null;
  rpoMs: number | null;
  updatedAt: Date;
}

/** A run without its plan and params: what lists show. */
export type RunSummary = Omit<RunRecord, 'plan' | 'params'>;

/** Records a run's start. A repeat (an activity retry) changes nothing: the first write stands. */
export async function recordRunStarted(db: Db, run: RunStarted): Promise<void> {
  await db
    .insertInto('runs')
    .values({
      run_id: run.runId,
      temporal_run_id: run.temporalRunId ?? null,
      runbook_name: run.runbookName,
      runbook_version: run.runbookVersion,
      plan_hash: run.planHash,
      plan: jsonb(run.plan),
      mode: run.mode,
      params: jsonb(run.params),
      services: run.services,
      initiator: run.initiator,
      reason: run.reason,
      objectives: jsonb(run.objectives),
      status: run.status ?? 'running',
      verdict: null,
      started_at: run.startedAt,
    })
    .onConflict((oc) => oc.column('run_id').doNothing())
    .execute();
}

/**
 * Records how a run ended, and releases the service locks a real run held (in the caller's
 * transaction, with the end's event). Idempotent (the same values written again).
 * @returns false when the run has no row (its start was never recorded).
 */
export async function recordRunEnded(db: Db, end: RunEnded): Promise<boolean> {
  await releaseServiceLocks(db, end.runId);
  const result = await db
    .updateTable('runs')
    .set({
      status: end.status,
      verdict: end.verdict,
      ended_at: end.endedAt,
      rto_ms: end.rtoMs,
      rpo_ms: end.rpoMs,
      updated_at: new Date(),
    })
    .where('run_id', '=', end.runId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Sets a live run's status (e.g. `paused` while it waits for a decision). @returns false if no such run. */
export async function recordRunStatus(db: Db, runId: string, status: RunStatus): Promise<boolean> {
  const result = await db
    .updateTable('runs')
    .set({ status, updated_at: new Date() })
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function getRun(db: Db, runId: string): Promise<RunRecord | undefined> {
  const row = await db.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
  return row && toRunRecord(row);
}

export interface RunFilter {
  /** Runs that touch this service. */
  service?: string;
  runbook?: string;
  status?: RunStatus;
  /** Only runs started before this (keyset paging: pass the last row's `startedAt`). */
  startedBefore?: Date;
  limit: number;
}

/** Runs matching `filter`, newest first. */
export async function listRuns(db: Db, filter: RunFilter): Promise<RunSummary[]> {
  let query = db
    .selectFrom('runs')
    .select([
      'run_id', 'temporal_run_id', 'runbook_name', 'runbook_version', 'plan_hash', 'mode', 'services',
      'initiator', 'reason', 'objectives', 'status', 'verdict', 'started_at', 'ended_at', 'rto_ms', 'rpo_ms',
      'updated_at',
    ]);
  // Array containment, so the GIN index on services answers it.
  if (filter.service !== undefined) query = query.where('services', '@>', sql<string[]>`ARRAY[${filter.service}]::text[]`);
  if (filter.runbook !== undefined) query = query.where('runbook_name', '=', filter.runbook);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.startedBefore !== undefined) query = query.where('started_at', '<', filter.startedBefore);
  const rows = await query.orderBy('started_at', 'desc').orderBy('run_id').limit(filter.limit).execute();
  return rows.map((row) => {
    const { plan: _plan, params: _params, ...summary } = toRunRecord({ ...row, plan: null, params: {} });
    return summary;
  });
}

function toRunRecord(row: RunRow): RunRecord {
  return {
    runId: row.run_id,
    temporalRunId: row.temporal_run_id,
    runbookName: row.runbook_name,
    runbookVersion: row.runbook_version,
    planHash: row.plan_hash,
    plan: row.plan,
    mode: row.mode,
    params: row.params,
    services: row.services,
    initiator: row.initiator,
    reason: row.reason,
    objectives: row.objectives,
    status: row.status,
    verdict: row.verdict,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    rtoMs: row.rto_ms === null ? null : Number(row.rto_ms),
    rpoMs: row.rpo_ms === null ? null : Number(row.rpo_ms),
    updatedAt: row.updated_at,
  };
}
