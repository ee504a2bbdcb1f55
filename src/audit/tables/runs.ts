/**
 * `runs`: one row per run, a projection of its audit events kept for the auditor's queries. Updated as
 * the run moves on; the evidence itself lives in `audit_events`.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { Json, Mode, Objectives } from '../../plan/types';
import type { Int8, Timestamp } from './column-types';

/** Statuses a run's row may hold. Names are a contract kept in the trail: add, never rename. */
export const RUN_STATUSES = ['running', 'paused', 'completed', 'failed', 'aborted', 'cancelled', 'terminated'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface RunsTable {
  /** The Temporal workflow id. */
  run_id: string;
  temporal_run_id: string | null;
  runbook_name: string;
  runbook_version: string;
  plan_hash: string;
  /** The pinned compiled plan, as the run received it. */
  plan: Json;
  mode: Mode;
  /** Parameter values as given; secrets are references (`env:NAME`), never values. */
  params: ColumnType<Record<string, string | number | boolean>, Record<string, string | number | boolean> | undefined>;
  services: ColumnType<string[], string[] | undefined>;
  initiator: string;
  reason: string;
  /** The targets, copied from the plan so attainment is computed against one source. */
  objectives: ColumnType<Objectives, Objectives | undefined>;
  status: RunStatus;
  verdict: string | null;
  started_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  rto_ms: Int8 | null;
  rpo_ms: Int8 | null;
  updated_at: Generated<Date>;
}

export type RunRow = Selectable<RunsTable>;
export type NewRunRow = Insertable<RunsTable>;
export type RunRowUpdate = Updateable<RunsTable>;
