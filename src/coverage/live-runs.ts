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
  /** Its step events in trail order. */
  stepEvents: { type: string; stepId: string | null; at: Date }[];
}

const STEP_EVENT_TYPES = ['step.started', 'step.waiting', 'approval.requested', 'step.completed', 'step.failed', 'step.skipped', 'step.cancelled'];

export async function liveRuns(db: Kysely<Database>): Promise<LiveRun[]> {
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
  if (!rows.length) return [];
  const events = await db
    .selectFrom('audit_events')
    .select(['run_id', 'type', 'step_id', 'at'])
    .where('run_id', '=', sql<string>`any(${rows.map((r) => r.run_id)}::text[])`)
    .where('type', '=', sql<string>`any(${STEP_EVENT_TYPES}::text[])`)
    .orderBy('run_id')
    .orderBy('seq')
    .execute();
  const byRun = new Map<string, LiveRun['stepEvents']>();
  for (const e of events) {
    const list = byRun.get(e.run_id!) ?? [];
    list.push({ type: e.type, stepId: e.step_id, at: new Date(e.at) });
    byRun.set(e.run_id!, list);
  }
  return rows.map((r) => ({
    runId: r.run_id,
    runbook: r.runbook_name,
    services: r.services,
    startedAtMs: new Date(r.started_at).getTime(),
    scheduled: r.initiator.startsWith(scheduleInitiator('')),
    ...(typeof r.objectives?.rtoMs === 'number' ? { objectiveRtoMs: r.objectives.rtoMs } : {}),
    marks: { start: new Set(r.rto_start), end: new Set(r.rto_end) },
    stepEvents: byRun.get(r.run_id) ?? [],
  }));
}
