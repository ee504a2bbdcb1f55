/**
 * Every run going on now, as the threshold alerts of every run need it (not only scheduled ones):
 * its services, start, RTO objective, the steps marked `rto.start` / `rto.end`, and its step events.
 * Campaigns' own rows are left out: their phases are runs, each watched on its own.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { scheduleInitiator } from '../plan/programme';
import { isDrillRun } from './query';

export interface LiveRun {
  runId: string;
  runbook: string;
  services: string[];
  startedAtMs: number;
  /** Started by a drill schedule (its initiator `schedule:<id>`): its own watcher raises share and overrun alerts. */
  scheduled: boolean;
  /** The runbook's own RTO objective (the inventory's target wins when the service is listed). */
  objectiveRtoMs?: number;
  marks: { start: Set<string>; end: Set<string> };
  /** The events of its watched steps (marked, or with an expected duration), in trail order. */
  stepEvents: { type: string; stepId: string | null; at: Date }[];
}

const STEP_EVENT_TYPES = ['step.started', 'step.waiting', 'approval.requested', 'step.completed', 'step.failed', 'step.skipped', 'step.cancelled'];

/**
 * The live runs, each with the events of the steps that matter to its alerts: those marked
 * `rto.start` / `rto.end`, and those `watched(run)` names (steps with an expected duration). A run
 * `watched` returns undefined for (no budget to measure it against) is left out.
 */
export async function liveRuns(db: Kysely<Database>, watched: (run: { runbook: string; services: string[]; objectiveRtoMs?: number }) => string[] | undefined): Promise<LiveRun[]> {
  const rows = await db
    .selectFrom('runs')
    .select(['run_id', 'runbook_name', 'services', 'started_at', 'objectives', 'initiator'])
    .select([
      sql<string[]>`jsonb_path_query_array(plan, '$.steps[*] ? (@.marks[*] == "rto.start").id')`.as('rto_start'),
      sql<string[]>`jsonb_path_query_array(plan, '$.steps[*] ? (@.marks[*] == "rto.end").id')`.as('rto_end'),
    ])
    .where('ended_at', 'is', null)
    .where(isDrillRun())
    .execute();
  const runs = rows.flatMap((r) => {
    const steps = watched({ runbook: r.runbook_name, services: r.services, ...objectiveRto(r.objectives) });
    return steps ? [{ row: r, steps: [...new Set([...r.rto_start, ...r.rto_end, ...steps])] }] : [];
  });
  const pairs = runs.flatMap(({ row, steps }) => steps.map((step) => [row.run_id, step] as const));
  const events = pairs.length
    ? await db
        .selectFrom('audit_events')
        .select(['run_id', 'type', 'step_id', 'at'])
        // (run, step) pairs: the run's index narrows it to the run, the pair to the few steps that count.
        .where(sql<boolean>`(run_id, step_id) IN (SELECT * FROM unnest(${pairs.map((p) => p[0])}::text[], ${pairs.map((p) => p[1])}::text[]))`)
        .where('type', '=', sql<string>`any(${STEP_EVENT_TYPES}::text[])`)
        .orderBy('run_id')
        .orderBy('seq')
        .execute()
    : [];
  const byRun = new Map<string, LiveRun['stepEvents']>();
  for (const e of events) {
    const list = byRun.get(e.run_id!) ?? [];
    list.push({ type: e.type, stepId: e.step_id, at: new Date(e.at) });
    byRun.set(e.run_id!, list);
  }
  return runs.map(({ row: r }) => ({
    runId: r.run_id,
    runbook: r.runbook_name,
    services: r.services,
    startedAtMs: new Date(r.started_at).getTime(),
    scheduled: r.initiator.startsWith(scheduleInitiator('')),
    ...objectiveRto(r.objectives),
    marks: { start: new Set(r.rto_start), end: new Set(r.rto_end) },
    stepEvents: byRun.get(r.run_id) ?? [],
  }));
}

function objectiveRto(objectives: { rtoMs?: number } | null): { objectiveRtoMs?: number } {
  return typeof objectives?.rtoMs === 'number' ? { objectiveRtoMs: objectives.rtoMs } : {};
}
