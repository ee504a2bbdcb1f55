/**
 * `step_results`: the latest state of each execution of each step of a run, a projection upserted in
 * the same transaction as the audit events that describe it.
 */
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';
import type { Json } from '../../plan/types';

export interface StepResultsTable {
  run_id: string;
  step_id: string;
  /** 1 for the first execution; a step run again (retry after a decision, compensation) counts up. */
  execution: number;
  status: string;
  /** Activity attempts of this execution. */
  attempts: ColumnType<number, number | undefined, number>;
  started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** The evidence kept of the output (the plan's `evidence` fields), never secrets. */
  output: ColumnType<Json, Json | undefined, Json>;
  error: string | null;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type StepResultRow = Selectable<StepResultsTable>;
export type NewStepResultRow = Insertable<StepResultsTable>;
export type StepResultRowUpdate = Updateable<StepResultsTable>;
