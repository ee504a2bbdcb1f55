/**
 * The drill programme through the API (the console's Programme page), behind the one gate with the
 * `read` act: per service its cadence, targets, status in its current period and its schedules; the
 * coming drills (from Temporal's schedules, each checked against the blackout windows that apply to
 * its service); the blackout windows; what is overdue and what is due soon. Reads only; schedules are
 * changed by `drillbook schedule create` from the inventory in git, not here.
 *
 *   GET /api/programme
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../audit/database';
import { coverageReport } from '../../coverage/query';
import type { Blackout } from '../../inventory/schema';
import { programmeDb } from '../../inventory/tables';
import { deferralEnd, describeBlackout, windowAt, type BlackoutWindow } from '../../plan/blackout';
import { listSchedules, type ScheduleListing } from '../../schedules/manage';
import { pinBlackout } from '../../schedules/spec';
import { inventoryServices } from '../../reports/programme';
import type { ApiDeps } from '../app';
import { ApiError } from '../errors';
import { answers } from '../openapi';
import { behindGate } from '../read-gate';
import { ProgrammeAnswer } from '../report-answers';

/** At most this many coming drills in the answer. */
const NEXT_DRILLS = 50;

interface BlackoutRow {
  name: string;
  starts_at: Date | null;
  ends_at: Date | null;
  recurrence: unknown;
  reason: string | null;
  services: string[] | null;
}

/** A stored window as a schedule pins it (src/schedules/spec.ts), so deferrals are the workflow's. */
function pinned(row: BlackoutRow, timeZone: string): BlackoutWindow {
  const b: Blackout = {
    name: row.name,
    ...(row.starts_at && row.ends_at ? { start: row.starts_at.toISOString(), end: row.ends_at.toISOString() } : {}),
    ...(row.recurrence ? { every: row.recurrence as Blackout['every'] } : {}),
    ...(row.reason ? { reason: row.reason } : {}),
  };
  return pinBlackout(b, timeZone);
}

async function schedulesOf(deps: ApiDeps): Promise<{ schedules: ScheduleListing[] | null; unavailable: string | null }> {
  try {
    return { schedules: await listSchedules(deps.temporal, deps.db), unavailable: null };
  } catch {
    // Temporal's own text may name addresses: the page says what is missing, the rest still answers.
    return { schedules: null, unavailable: 'the schedules could not be read from Temporal right now; the rest of the programme is from the audit database' };
  }
}

export async function programmeView(deps: ApiDeps, now = new Date()) {
  const db: Kysely<Database> = deps.db;
  let coverage;
  try {
    coverage = await coverageReport(db, now);
  } catch {
    throw new ApiError(404, 'no_inventory', 'no inventory has been applied: run `drillbook inventory apply FILE` first');
  }
  const inventory = new Map((await inventoryServices(db)).map((s) => [s.name, s]));
  const rows = await programmeDb(db).selectFrom('blackout_windows').selectAll().orderBy('name').execute();
  const windows = rows.map((row) => ({ row, window: pinned(row, coverage.timeZone) }));
  const { schedules, unavailable } = await schedulesOf(deps);
  const drillSchedules = (schedules ?? []).filter((s) => s.pin);

  const nextDrills = drillSchedules
    .flatMap((s) => (s.paused ? [] : s.nextActionTimes.map((at) => ({ s, at }))))
    .sort((a, b) => a.at.localeCompare(b.at))
    .slice(0, NEXT_DRILLS)
    .map(({ s, at }) => {
      const service = s.pin?.service ?? null;
      const applying = windows.filter(({ row }) => !row.services || (service !== null && row.services.includes(service))).map((w) => w.window);
      const deferral = deferralEnd(applying, Date.parse(at));
      return { scheduleId: s.scheduleId, service, at, deferredUntil: deferral ? new Date(deferral.untilMs).toISOString() : null, blackouts: deferral?.windows ?? [] };
    });

  return {
    asOf: now.toISOString(),
    timeZone: coverage.timeZone,
    services: coverage.services.map((c) => ({
      service: c.service, owner: c.owner, criticality: inventory.get(c.service)?.criticality ?? 'unknown', cadence: c.cadence, period: c.period.id,
      rtoMs: inventory.get(c.service)?.rtoMs ?? null, rpoMs: inventory.get(c.service)?.rpoMs ?? null, status: c.status, deadline: c.deadline, daysLeft: c.daysLeft, dueSoon: c.dueSoon, lastDrill: c.lastDrill?.runId ?? null,
      changedSinceDrill: c.changedSinceDrill, schedules: drillSchedules.filter((s) => s.pin?.service === c.service).map((s) => s.scheduleId),
    })),
    schedules: schedules
      ? schedules.map((s) => ({
          scheduleId: s.scheduleId, service: s.pin?.service ?? null, runbook: s.pin?.runbook ?? null, version: s.pin?.version ?? null, mode: s.pin?.mode ?? null,
          planHash: s.pin?.planHash ?? null, paused: s.paused, note: s.note ?? null, nextActionTimes: s.nextActionTimes,
        }))
      : null,
    schedulesUnavailable: unavailable,
    nextDrills,
    blackouts: windows
      .filter(({ window }) => 'every' in window || window.endMs > now.getTime())
      .map(({ row, window }) => {
        const inForce = windowAt(window, now.getTime());
        return {
          name: row.name, kind: 'every' in window ? 'recurring' : 'fixed', description: describeBlackout(window), reason: row.reason, services: row.services,
          startsAt: row.starts_at?.toISOString() ?? null, endsAt: row.ends_at?.toISOString() ?? null,
          inForce: inForce ? { startsAt: new Date(inForce.startMs).toISOString(), endsAt: new Date(inForce.endMs).toISOString() } : null,
        };
      }),
    overdue: coverage.services.filter((c) => c.status === 'overdue').map((c) => ({ service: c.service, status: c.status, deadline: c.deadline, lastDrill: c.lastDrill?.runId ?? null })),
    dueSoon: coverage.services.filter((c) => c.dueSoon).map((c) => ({ service: c.service, deadline: c.deadline, daysLeft: c.daysLeft })),
  };
}

export function registerProgrammeRoutes(app: FastifyInstance, deps: ApiDeps): void {
  app.get(
    '/api/programme',
    { schema: { summary: 'the drill programme: services and their status, schedules and the coming drills (blackouts applied), blackout windows, overdue and due soon', response: answers({ status: 200, schema: ProgrammeAnswer }, [403, 404]) } },
    behindGate(deps.db, async () => programmeView(deps)),
  );
}
