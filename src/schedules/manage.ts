/**
 * Drill and campaign schedules in Temporal and their pins in the database: create-or-update
 * (recording which runbook revision and plan hash — or campaign and campaign hash — each schedule
 * starts, with a `schedule.pinned` audit event), list, show, delete (audited), pause, unpause,
 * trigger, backfill, and the coming action times.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, type Client, type ScheduleOptions } from '@temporalio/client';
import type { Kysely, Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database } from '../audit/database';
import { jsonb } from '../audit/jsonb';
import type { Json } from '../plan/types';
import { programmeDb } from '../inventory/tables';
import type { CampaignScheduleDefinition } from './campaign-spec';
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

/** What a schedule starts, as its `drill_schedules` row keeps it (a campaign: its name, version and hash). */
interface SchedulePin {
  scheduleId: string;
  service: string;
  name: string;
  version: string;
  file: string;
  hash: string;
  mode: string;
  spec: ScheduleOptions['spec'];
  /** Data of the `schedule.pinned` event beyond the common fields. */
  extra: Record<string, Json>;
}

/** Records what a drill schedule starts (runbook, version, plan hash), and audits the pin. */
export async function recordSchedulePin(db: Kysely<Database>, def: DrillScheduleDefinition, actor: string): Promise<void> {
  const { name, version } = def.runbook.plan.runbook;
  await recordPin(db, { scheduleId: def.scheduleId, service: def.service, name, version, file: def.runbook.file, hash: def.runbook.planHash, mode: def.runbook.mode, spec: def.options.spec, extra: {} }, actor);
}

/**
 * Records what a campaign schedule starts (campaign, version, campaign hash; its service the first of
 * the campaign's services, `services` all of them), and audits the pin.
 */
export async function recordCampaignSchedulePin(db: Kysely<Database>, def: CampaignScheduleDefinition, actor: string): Promise<void> {
  const { campaign } = def.input;
  await recordPin(
    db,
    {
      scheduleId: def.scheduleId,
      service: def.services[0],
      name: campaign.campaign.name,
      version: campaign.campaign.version,
      file: campaign.campaign.file,
      hash: campaign.campaignHash,
      mode: campaign.mode,
      spec: def.options.spec,
      extra: { kind: 'campaign', services: def.services, phases: campaign.phases.map((p) => ({ id: p.id, runbook: p.run.plan.runbook.name, planHash: p.run.planHash })) },
    },
    actor,
  );
}

async function recordPin(db: Kysely<Database>, pin: SchedulePin, actor: string): Promise<void> {
  const pdb = programmeDb(db);
  await pdb.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('drill_schedules').select('plan_hash').where('schedule_id', '=', pin.scheduleId).executeTakeFirst();
    const row = {
      service: pin.service,
      runbook_name: pin.name,
      runbook_version: pin.version,
      runbook_file: pin.file,
      plan_hash: pin.hash,
      mode: pin.mode,
      spec: jsonb(pin.spec) as unknown as Json,
      updated_at: new Date(),
    };
    await trx
      .insertInto('drill_schedules')
      .values({ schedule_id: pin.scheduleId, ...row })
      .onConflict((oc) => oc.column('schedule_id').doUpdateSet(row))
      .execute();
    if (before?.plan_hash === pin.hash) return;
    await appendAuditEvents(trx as unknown as Transaction<Database>, [
      {
        key: `${SCHEDULE_CHAIN}/schedule/${pin.scheduleId}/${randomUUID()}`,
        chainId: SCHEDULE_CHAIN,
        runId: null,
        type: 'schedule.pinned',
        actor,
        data: {
          scheduleId: pin.scheduleId,
          service: pin.service,
          runbook: pin.name,
          runbookVersion: pin.version,
          runbookFile: pin.file,
          planHash: pin.hash,
          previousPlanHash: before?.plan_hash ?? null,
          mode: pin.mode,
          ...pin.extra,
        },
      },
    ]);
  });
}

/**
 * Deletes a schedule (drills or campaigns it already started go on) and its pin, and audits it.
 * @throws ScheduleNotFoundError when Temporal has no such schedule
 */
export async function deleteSchedule(client: Client, db: Kysely<Database>, scheduleId: string, actor: string, reason?: string): Promise<void> {
  await client.schedule.getHandle(scheduleId).delete();
  await programmeDb(db).transaction().execute(async (trx) => {
    const pin = await trx.deleteFrom('drill_schedules').where('schedule_id', '=', scheduleId).returning(['runbook_name', 'plan_hash', 'service']).executeTakeFirst();
    await appendAuditEvents(trx as unknown as Transaction<Database>, [
      {
        key: `${SCHEDULE_CHAIN}/schedule/${scheduleId}/${randomUUID()}`,
        chainId: SCHEDULE_CHAIN,
        runId: null,
        type: 'schedule.deleted',
        actor,
        data: { scheduleId, service: pin?.service ?? null, runbook: pin?.runbook_name ?? null, planHash: pin?.plan_hash ?? null, reason: reason ?? null },
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
  /** What it starts; a campaign schedule's `runbook` is the campaign's name, `planHash` its campaign hash. */
  pin?: { kind: 'drill' | 'campaign'; service: string; runbook: string; version: string; planHash: string; mode: string };
}

/** Schedules drillbook made: drills (`drill-…`), campaigns (`campaign-…`) and the coverage check. */
export function isDrillbookSchedule(scheduleId: string): boolean {
  return ['drill-', 'campaign-', 'drillbook-'].some((prefix) => scheduleId.startsWith(prefix));
}

/** A schedule starts a campaign (`scheduledCampaign`) when its id says so. */
function pinKind(scheduleId: string): 'drill' | 'campaign' {
  return scheduleId.startsWith('campaign-') ? 'campaign' : 'drill';
}

/** drillbook's schedules (drill-*, campaign-* and the coverage check), with their pins. */
export async function listSchedules(client: Client, db: Kysely<Database>): Promise<ScheduleListing[]> {
  const pins = new Map((await programmeDb(db).selectFrom('drill_schedules').selectAll().execute()).map((p) => [p.schedule_id, p]));
  const out: ScheduleListing[] = [];
  for await (const s of client.schedule.list()) {
    if (!isDrillbookSchedule(s.scheduleId)) continue;
    const pin = pins.get(s.scheduleId);
    out.push({
      scheduleId: s.scheduleId,
      paused: s.state.paused,
      note: s.state.note,
      nextActionTimes: s.info.nextActionTimes.map((d) => d.toISOString()),
      recentActions: s.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
      ...(pin ? { pin: { kind: pinKind(s.scheduleId), service: pin.service, runbook: pin.runbook_name, version: pin.runbook_version, planHash: pin.plan_hash, mode: pin.mode } } : {}),
    });
  }
  return out.sort((a, b) => a.scheduleId.localeCompare(b.scheduleId));
}

/** The coming action times, as Temporal computes them (spec, time zone, jitter). */
export async function nextActionTimes(client: Client, scheduleId: string): Promise<Date[]> {
  const d = await client.schedule.getHandle(scheduleId).describe();
  return d.info.nextActionTimes;
}

/**
 * One schedule as `schedule show` prints it: its listing and its spec, with its pin.
 * @throws ScheduleNotFoundError when Temporal has no such schedule
 */
export async function showSchedule(client: Client, db: Kysely<Database>, scheduleId: string): Promise<ScheduleListing & { spec: Json; workflowType: string | null }> {
  const d = await client.schedule.getHandle(scheduleId).describe();
  const pin = await programmeDb(db).selectFrom('drill_schedules').selectAll().where('schedule_id', '=', scheduleId).executeTakeFirst();
  return {
    scheduleId,
    paused: d.state.paused,
    note: d.state.note,
    nextActionTimes: d.info.nextActionTimes.map((t) => t.toISOString()),
    recentActions: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt.toISOString(), workflowId: a.action.workflow.workflowId })),
    ...(pin ? { pin: { kind: pinKind(scheduleId), service: pin.service, runbook: pin.runbook_name, version: pin.runbook_version, planHash: pin.plan_hash, mode: pin.mode } } : {}),
    spec: jsonb(d.spec) as unknown as Json,
    workflowType: d.action.type === 'startWorkflow' ? d.action.workflowType : null,
  };
}
