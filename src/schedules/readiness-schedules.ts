/**
 * The readiness schedules (docs/readiness.md): one Temporal Schedule per service of the inventory,
 * `drillbook-readiness-<service>`, every `readiness.every` (default 15m), whose action starts
 * `readinessCheck` for the service on the programme queue. Synced by `drillbook schedule create`
 * with the drill schedules: created or updated for each service listed, removed for a service no
 * longer listed.
 */
import type { Client, ScheduleOptions } from '@temporalio/client';
import type { LoadedInventory } from '../inventory/load';
import { readinessEveryMs } from '../inventory/schema';
import { readinessScheduleId, type ReadinessCheckInput } from '../plan/readiness';
import { upsertSchedule } from './manage';

const PREFIX = readinessScheduleId('');

export function readinessSchedule(service: string, everyMs: number, ctx: { programmeTaskQueue: string }): ScheduleOptions {
  const scheduleId = readinessScheduleId(service);
  const input: ReadinessCheckInput = { service, programmeTaskQueue: ctx.programmeTaskQueue };
  return {
    scheduleId,
    spec: { intervals: [{ every: everyMs }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'readinessCheck',
      // Temporal appends the action time: each evaluation's id is its own.
      workflowId: scheduleId,
      taskQueue: ctx.programmeTaskQueue,
      args: [input],
    },
    // An evaluation still probing when the next is due: skip the next, never pile up. A missed one is
    // not worth catching up: the next interval looks again.
    policies: { overlap: 'SKIP', catchupWindow: '1m', pauseOnFailure: false },
    memo: { service, readiness: true },
  };
}

export interface ReadinessScheduleChange {
  scheduleId: string;
  service: string;
  action: 'created' | 'updated' | 'deleted';
  everyMs?: number;
}

/** Creates or updates the readiness schedule of each service (or only `only`); without `only`, deletes those of services not listed. */
export async function syncReadinessSchedules(client: Client, inventory: Pick<LoadedInventory, 'services'>, ctx: { programmeTaskQueue: string; only?: string }): Promise<ReadinessScheduleChange[]> {
  const changes: ReadinessScheduleChange[] = [];
  const listed = new Set(inventory.services.map((s) => s.name));
  for (const s of inventory.services) {
    if (ctx.only && s.name !== ctx.only) continue;
    const everyMs = readinessEveryMs(s);
    const action = await upsertSchedule(client, readinessSchedule(s.name, everyMs, ctx));
    changes.push({ scheduleId: readinessScheduleId(s.name), service: s.name, action, everyMs });
  }
  if (ctx.only) return changes;
  for await (const s of client.schedule.list()) {
    if (!s.scheduleId.startsWith(PREFIX)) continue;
    const service = s.scheduleId.slice(PREFIX.length);
    if (listed.has(service)) continue;
    await client.schedule.getHandle(s.scheduleId).delete();
    changes.push({ scheduleId: s.scheduleId, service, action: 'deleted' });
  }
  return changes;
}
