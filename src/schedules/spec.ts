/**
 * Builds the Temporal Schedule of each scheduled runbook of a service from the inventory: a calendar
 * spec (fixed day of fixed months at a time of day, in a time zone, with jitter — never an interval,
 * which drifts), overlap SKIP, a catch-up window, pause on failure, and an action that starts
 * `scheduledDrill` with the plan pinned, the blackout windows and the alert thresholds.
 */
import type { ScheduleOptions, ScheduleSpec } from '@temporalio/client';
import type { LoadedInventory, LoadedService, LoadedServiceRunbook } from '../inventory/load';
import type { Blackout, DrillSchedule } from '../inventory/schema';
import type { ActionSigner } from '../security/action-signer';
import type { BlackoutWindow } from '../plan/blackout';
import type { ScheduledDrillInput } from '../plan/programme';

export interface DrillScheduleDefinition {
  scheduleId: string;
  service: string;
  runbook: LoadedServiceRunbook;
  options: ScheduleOptions;
  input: ScheduledDrillInput;
}

/** `drill-<service>-<runbook>`, plus the mode when it is not a drill. Stable across applies. */
export function drillScheduleId(service: string, runbookName: string, mode: string): string {
  return `drill-${service}-${runbookName}${mode === 'drill' ? '' : `-${mode}`}`;
}

export const COVERAGE_SCHEDULE_ID = 'drillbook-coverage';

export interface SpecContext {
  /** Task queue of runs (the drillbook worker's). */
  taskQueue: string;
  /** Task queue of the programme activities (coverage, threshold watcher). */
  programmeTaskQueue: string;
  /** Blackout windows ending before this are not pinned. */
  now: Date;
  /** How often the threshold watcher looks (default 5 s). */
  alertPollMs?: number;
  /** The front door's signer: each drill schedule carries its grant (absent: its runs would be refused). */
  signer: ActionSigner;
}

/** Every schedule the inventory defines (runbooks without `schedule` get none). */
export function drillSchedules(inventory: LoadedInventory, ctx: SpecContext): DrillScheduleDefinition[] {
  return inventory.services.flatMap((service) =>
    service.runbooks.filter((rb) => rb.schedule).map((rb) => drillSchedule(inventory, service, rb, ctx)),
  );
}

export function drillSchedule(inventory: LoadedInventory, service: LoadedService, rb: LoadedServiceRunbook, ctx: SpecContext): DrillScheduleDefinition {
  const schedule = rb.schedule!;
  const scheduleId = drillScheduleId(service.name, rb.plan.runbook.name, rb.mode);
  const input: ScheduledDrillInput = {
    scheduleId,
    service: service.name,
    run: {
      plan: rb.plan,
      planHash: rb.planHash,
      mode: rb.mode,
      params: rb.resolvedParams,
      reason: `scheduled ${service.cadence ?? ''} drill of ${service.name}`.replace(/\s+/g, ' '),
      taskQueue: ctx.taskQueue,
    },
    blackouts: blackoutsFor(inventory, service.name, ctx.now),
    thresholds: {
      rtoBudgetMs: service.objectives.rto,
      rtoShare: service.alerts.rtoShare ?? inventory.alerts.rtoShare,
      expectedDurationsMs: rb.expectedDurations,
      owner: service.owner,
      webhook: service.notify ?? inventory.notifications.webhook,
      pollMs: ctx.alertPollMs ?? 5_000,
    },
    programmeTaskQueue: ctx.programmeTaskQueue,
  };
  // Only drills are granted: a real failover or failback is started by a person, through the front door.
  if (rb.mode === 'drill') input.grant = ctx.signer.grantSchedule(scheduleId, service.name, input.run);
  const options: ScheduleOptions = {
    scheduleId,
    spec: calendarSpec(schedule, inventory.timezone, `${service.name}: ${rb.plan.runbook.name}`),
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledDrill',
      // Temporal appends the action time, so each drill's id is unique and says when it was due.
      workflowId: `scheduled-${scheduleId}`,
      taskQueue: ctx.taskQueue,
      args: [input],
    },
    policies: schedulePolicies(schedule),
    memo: { service: service.name, runbook: rb.plan.runbook.name, runbookFile: rb.file, planHash: rb.planHash },
  };
  return { scheduleId, service: service.name, runbook: rb, options, input };
}

/** A fixed day of fixed months at a time of day, in the schedule's time zone (default: the programme's). */
export function calendarSpec(schedule: DrillSchedule, programmeTimeZone: string, comment: string): ScheduleSpec {
  const [hour, minute] = schedule.at.split(':').map(Number);
  return {
    calendars: [{ month: [...schedule.months], dayOfMonth: schedule.day, hour, minute, comment }],
    timezone: schedule.timezone ?? programmeTimeZone,
    ...(schedule.jitter !== undefined ? { jitter: schedule.jitter } : {}),
  };
}

/** Overlap SKIP (one drill at a time), the schedule's catch-up window and pause on failure. */
export function schedulePolicies(schedule: DrillSchedule): ScheduleOptions['policies'] {
  return { overlap: 'SKIP', catchupWindow: schedule.catchupWindow, pauseOnFailure: schedule.pauseOnFailure };
}

/**
 * Windows that apply to `service`: fixed ones that have not ended by `now`, as absolute intervals;
 * recurring ones as their rule, the time zone resolved (default: the inventory's).
 */
export function blackoutsFor(inventory: Pick<LoadedInventory, 'blackouts' | 'timezone'>, service: string, now: Date): BlackoutWindow[] {
  return inventory.blackouts
    .filter((b) => !b.services || b.services.includes(service))
    .map((b) => pinBlackout(b, inventory.timezone))
    .filter((w) => 'every' in w || w.endMs > now.getTime());
}

/** An inventory window as a schedule pins it: a fixed one as an interval, a recurring one with its time zone. */
export function pinBlackout(b: Blackout, programmeTimeZone: string): BlackoutWindow {
  const reason = b.reason ? { reason: b.reason } : {};
  if (b.every) {
    const { timezone, ...rule } = b.every;
    return { name: b.name, every: { ...rule, timezone: timezone ?? programmeTimeZone }, ...reason };
  }
  return { name: b.name, startMs: Date.parse(b.start!), endMs: Date.parse(b.end!), ...reason };
}

/** The coverage check's schedule: daily at `at` in the programme's time zone. */
export function coverageSchedule(inventory: Pick<LoadedInventory, 'timezone'>, ctx: Pick<SpecContext, 'programmeTaskQueue'>, at = '08:00'): ScheduleOptions {
  const [hour, minute] = at.split(':').map(Number);
  return {
    scheduleId: COVERAGE_SCHEDULE_ID,
    spec: { calendars: [{ hour, minute, comment: 'daily drill-programme coverage check' }], timezone: inventory.timezone },
    action: {
      type: 'startWorkflow',
      workflowType: 'coverageCheck',
      workflowId: COVERAGE_SCHEDULE_ID,
      taskQueue: ctx.programmeTaskQueue,
      args: [{ programmeTaskQueue: ctx.programmeTaskQueue }],
    },
    policies: { overlap: 'SKIP', catchupWindow: '1d', pauseOnFailure: false },
  };
}
