/**
 * Drill schedules in Temporal and their pins in the database: create-or-update (recording which
 * runbook revision and plan hash each schedule starts, with a `schedule.pinned` audit event), list,
 * pause, unpause, trigger, backfill, and the coming action times.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import { jsonb } from '../audit/jsonb';
import type { Json } from '../plan/types';
import { programmeDb } from '../inventory/tables';
import type { DrillScheduleDefinition } from './spec';

export const SCHEDULE_CHAIN = 'programme';

/** Creates the schedule, or replaces its spec, policies and pinned action when it exists. @returns whether it was created. */
export async function upsertSchedule(client: Client, options: ScheduleOptions): Promise<'created' | 'updated'> {
  const handle = client.schedule.getHandle(options.scheduleId);
  try {
    await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    await client.schedule.create(options);
    return 'created';
  }
  const { scheduleId: _id, memo: _memo, state, ...rest } = options;
  await handle.update((prev) => ({ ...rest, state: { ...prev.state, ...(state ?? {}) } }) as never);
  return 'updated';
}

/** Records what a drill schedule starts (runbook, version, plan hash), and audits the pin. */
export async function recordSchedulePin(db: Kysely<Database>, def: DrillScheduleDefinition, actor: string): Promise<void> {
  const pdb = programmeDb(db);
  const plan = def.runbook.plan;
  await pdb.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('drill_schedules').select('plan_hash').where('schedule_id', '=', def.scheduleId).executeTakeFirst();
    const row = {
      service: def.service,
      runbook_name: plan.runbook.name,
      runbook_version: plan.runbook.version,
      runbook_file: def.runbook.file,
      plan_hash: def.runbook.planHash,
      mode: def.runbook.mode,
      spec: jsonb(def.options.spec) as unknown as Json,
      updated_at: new Date(),
    };
    await trx
      .insertInto('drill_schedules')
      .values({ schedule_id: def.scheduleId, ...row })
      .onConflict((oc) => oc.column('schedule_id').doUpdateSet(row))
      .execute();
    if (before?.plan_hash === def.runbook.planHash) return;
    await appendAuditEvents(trx as unknown as Transaction<Database>, [
      {
        key: `${SCHEDULE_CHAIN}/schedule/${def.scheduleId}/${randomUUID()}`,
        chainId: SCHEDULE_CHAIN,
        runId: null,
        type: 'schedule.pinned',
        actor,
        data: {
          scheduleId: def.scheduleId,
          service: def.service,
          runbook: plan.runbook.name,
          runbookVersion: plan.runbook.version,
          runbookFile: def.runbook.file,
          planHash: def.runbook.planHash,
          previousPlanHash: before?.plan_hash ?? null,
          mode: def.runbook.mode,
        },
      },
    ]);
  });
}

export interface ScheduleListing {
  scheduleId: string;
  paused: boolean;
  note?: string;
  nextActionTimes: string[];
  recentActions: { scheduledAt: string; workflowId: string }[];
  pin?: { service: string; runbook: string; version: string; planHash: string; mode: string };
}

/** drillbook's schedules (drill-* and the coverage check), with their pins. */
export async function listSchedules(client: Client, db: Kysely<Database>): Promise<ScheduleListing[]> {
  const pins = new Map((await programmeDb(db).selectFrom('drill_schedules').selectAll().execute()).map((p) => [p.schedule_id, p]));
  const out: ScheduleListing[] = [];
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith('drill-') && !s.scheduleId.startsWith('drillbook-')) continue;
    const pin = pins.get(s.scheduleId);
    out.push({
      scheduleId: s.scheduleId,
      paused: s.state.paused,
      note: s.state.note,
      nextActionTimes: s.info.nextActionTimes.map((d) => d.toISOString()),
      recentActions: s.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
      ...(pin ? { pin: { service: pin.service, runbook: pin.runbook_name, version: pin.runbook_version, planHash: pin.plan_hash, mode: pin.mode } } : {}),
    });
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/** The coming action times, as Temporal computes them (spec, time zone, jitter). */
export async function nextActionTimes(client: Client, scheduleId: string): Promise<Date[]> {
  const d = await client.schedule.getHandle(scheduleId).describe();
  return d.info.nextActionTimes;
}
