/** Queries of `step_results`, the per-step projection. Each takes a connection or a transaction. */
import { sql, type RawBuilder } from 'kysely';
import type { Json } from '../plan/types';
import type { Db } from './database';
import { jsonb } from './jsonb';
import type { StepResultRow } from './tables/step-results';

export interface StepResult {
  runId: string;
  stepId: string;
  /** 1 for a step's first execution. */
  execution: number;
  /** e.g. `running`, `completed`, `failed`, `skipped`, `compensated`. */
  status: string;
  attempts: number;
  startedAt: Date | null;
  endedAt: Date | null;
  /** Evidence kept of the output; never secrets. */
  output: Json;
  error: string | null;
}

export type StepResultInput = Omit<StepResult, 'attempts' | 'startedAt' | 'endedAt' | 'output' | 'error'> &
  Partial<Pick<StepResult, 'attempts' | 'startedAt' | 'endedAt' | 'output' | 'error'>>;

/**
 * Inserts or updates one execution of a step. Fields left out keep what the row had (a `completed`
 * write need not repeat `startedAt`); `status` is always written.
 */
export async function recordStepResult(db: Db, step: StepResultInput): Promise<void> {
  await db
    .insertInto('step_results')
    .values({
      run_id: step.runId,
      step_id: step.stepId,
      execution: step.execution,
      status: step.status,
      attempts: step.attempts ?? 0,
      started_at: step.startedAt ?? null,
      ended_at: step.endedAt ?? null,
      output: jsonb(step.output ?? null),
      error: step.error ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['run_id', 'step_id', 'execution']).doUpdateSet({
        status: (eb) => eb.ref('excluded.status'),
        attempts: (eb) => eb.ref(step.attempts === undefined ? 'step_results.attempts' : 'excluded.attempts'),
        started_at: (eb) => eb.ref(step.startedAt === undefined ? 'step_results.started_at' : 'excluded.started_at'),
        ended_at: (eb) => eb.ref(step.endedAt === undefined ? 'step_results.ended_at' : 'excluded.ended_at'),
        output: (eb) => eb.ref(step.output === undefined ? 'step_results.output' : 'excluded.output'),
        error: (eb) => eb.ref(step.error === undefined ? 'step_results.error' : 'excluded.error'),
        updated_at: new Date(),
      }),
    )
    .execute();
}

/** A completed execution of a step, every field known: what a step activity records on success. */
export type CompletedStepResult = Required<Omit<StepResult, 'status' | 'error'>>;

/**
 * `recordStepResult(db, { ...step, status: 'completed', error: null })` as a projection of the
 * event append's own statement (see append-events.ts's `appendAuditEventWith`): written only when
 * the event was new (the CTE `ins` holds it).
 */
export function recordCompletedStepSql(step: CompletedStepResult): RawBuilder<unknown> {
  return sql`
    INSERT INTO step_results (run_id, step_id, execution, status, attempts, started_at, ended_at, output, error)
    SELECT ${step.runId}, ${step.stepId}, ${step.execution}::int, 'completed', ${step.attempts}::int,
           ${step.startedAt}::timestamptz, ${step.endedAt}::timestamptz, ${JSON.stringify(step.output ?? null)}::jsonb, NULL
    WHERE EXISTS (SELECT 1 FROM ins)
    ON CONFLICT (run_id, step_id, execution) DO UPDATE SET
      status = excluded.status, attempts = excluded.attempts, started_at = excluded.started_at,
      ended_at = excluded.ended_at, output = excluded.output, error = excluded.error, updated_at = now()`;
}

export async function getStepResult(
  db: Db,
  runId: string,
  stepId: string,
  execution: number,
): Promise<StepResult | undefined> {
  const row = await db
    .selectFrom('step_results')
    .selectAll()
    .where('run_id', '=', runId)
    .where('step_id', '=', stepId)
    .where('execution', '=', execution)
    .executeTakeFirst();
  return row && toStepResult(row);
}

/** The given steps' results of one execution (a sequence's members), by step id. */
export async function getStepResults(db: Db, runId: string, stepIds: string[], execution: number): Promise<Map<string, StepResult>> {
  const rows = await db
    .selectFrom('step_results')
    .selectAll()
    .where('run_id', '=', runId)
    .where('step_id', '=', sql<string>`any(${stepIds}::text[])`)
    .where('execution', '=', execution)
    .execute();
  return new Map(rows.map((row) => [row.step_id, toStepResult(row)]));
}

/** Every step execution of a run, in the order they started (not-started ones last). */
export async function listStepResults(db: Db, runId: string): Promise<StepResult[]> {
  const rows = await db
    .selectFrom('step_results')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy(sql`started_at asc nulls last`)
    .orderBy('step_id')
    .orderBy('execution')
    .execute();
  return rows.map(toStepResult);
}

function toStepResult(row: StepResultRow): StepResult {
  return {
    runId: row.run_id,
    stepId: row.step_id,
    execution: row.execution,
    status: row.status,
    attempts: row.attempts,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    output: row.output,
    error: row.error,
  };
}
