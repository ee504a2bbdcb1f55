/**
 * The notification dispatcher (docs/notifications.md): one long-running, heartbeating activity that
 * reads the audit trail as its outbox. Each poll it
 *   1. raises the threshold alerts of every live run (`alert.raised`, keyed as the scheduled watcher
 *      keys them, so the two never double),
 *   2. turns the new notifying events into deliveries, one per event and target (unique),
 *   3. posts the deliveries that are due — a 5xx, 408, 425, 429, a timeout or no answer is retried
 *      with exponential backoff, another status is final — and ends each one with its audit event.
 * Delivery is at least once: a crash between a 2xx and its record repeats that one post.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { sql, type Kysely } from 'kysely';
import { appendAuditEvents } from '../src/audit/append-events';
import type { Database } from '../src/audit/database';
import { liveRuns, type LiveRun } from '../src/coverage/live-runs';
import { alertEvent, dueAlerts, rtoBreachAlert, rtoClock, runningSteps, type ThresholdAlert } from '../src/coverage/run-thresholds';
import { notificationBody } from '../src/notifications/bodies';
import {
  claimDueDeliveries,
  endDelivery,
  enqueueDeliveries,
  nextDueAt,
  retryDeliveryLater,
  type AttemptOutcome,
  type DeliveryRow,
  type NewDelivery,
} from '../src/notifications/deliveries';
import { loadNotificationDirectory, type NotificationDirectory } from '../src/notifications/directory';
import { NOTIFYING_EVENT_TYPES, noticeOf, type RunFacts } from '../src/notifications/kinds';
import { targetByName, targetsFor, urlOrigin } from '../src/notifications/targets';
import { resolveWebhookUrl } from './webhook-url';
import type { Json } from '../src/plan/types';
import { sleepUnlessAborted } from './abortable-sleep';

export interface NotificationActivityDeps {
  db: Kysely<Database>;
  /** Recorded as the actor of deliveries and alerts. */
  identity: string;
  /**
   * True once this worker is shutting down: the dispatcher then stops within a poll (and is retried
   * on a worker that runs) rather than hold the shutdown for its grace time.
   */
  stopping?: () => boolean;
}

/** Where the dispatcher is in the trail: every event up to `afterId` has been considered. */
export interface DispatchCursor {
  afterId: string;
}

export interface DispatchInput {
  /** Absent on the very first start: the dispatcher begins at the trail's end (no old news). */
  cursor?: DispatchCursor;
  pollMs: number;
  /** Return (with the cursor) after this long, so the workflow can continue as new. */
  runForMs: number;
  /**
   * Events are read again until this long after they became visible: an append that took an id
   * earlier but committed later is still seen (appends commit within milliseconds).
   */
  settleMs?: number;
}

const DELIVERIES_PER_POLL = 20;
const EVENTS_PER_PAGE = 500;

export function createNotificationActivities(deps: NotificationActivityDeps) {
  const { db } = deps;

  async function lastEventId(): Promise<string> {
    const row = await db.selectFrom('audit_events').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    return String(row?.id ?? 0);
  }

  /** Threshold alerts of every live run; a scheduled run's watcher keeps its own share and overrun alerts. */
  async function raiseThresholdAlerts(dir: NotificationDirectory, raised: Set<string>): Promise<void> {
    const now = Date.now();
    const watched = (run: { runbook: string; services: string[]; objectiveRtoMs?: number }) => (budgetOf(run, dir) === undefined ? undefined : Object.keys(expectedDurations(run, dir)));
    for (const run of await liveRuns(db, watched)) {
      for (const { alert, service, owner } of runAlerts(run, dir, now)) {
        if (raised.has(alert.key)) continue;
        await appendAuditEvents(db, [alertEvent(alert, { runId: run.runId, service, owner }, deps.identity, false)]);
        raised.add(alert.key);
      }
    }
  }

  /** New notifying events after the cursor, as deliveries (each (event, target) once), a page at a time. */
  async function enqueueNew(dir: NotificationDirectory, afterId: string, seen: Map<string, string>): Promise<void> {
    for (let from = afterId; ; ) {
      const page = await db
        .selectFrom('audit_events')
        .select(['id', 'key', 'type', 'run_id', 'step_id', 'at', 'data'])
        .where('id', '>', from)
        .where('type', '=', sql<string>`any(${NOTIFYING_EVENT_TYPES}::text[])`)
        .orderBy('id')
        .limit(EVENTS_PER_PAGE)
        .execute();
      await enqueuePage(dir, page.filter((e) => !seen.has(e.key)), seen);
      if (page.length < EVENTS_PER_PAGE) return;
      from = String(page[page.length - 1].id);
    }
  }

  async function enqueuePage(
    dir: NotificationDirectory,
    fresh: { id: string; key: string; type: string; run_id: string | null; step_id: string | null; at: Date | string; data: Json }[],
    seen: Map<string, string>,
  ): Promise<void> {
    if (!fresh.length) return;
    const runIds = [...new Set(fresh.map((e) => e.run_id).filter((id): id is string => !!id))];
    const runs = new Map<string, RunFacts>();
    if (runIds.length) {
      const rows = await db.selectFrom('runs').select(['run_id', 'runbook_name', 'services', 'mode']).where('run_id', '=', sql<string>`any(${runIds}::text[])`).execute();
      for (const r of rows) runs.set(r.run_id, { runbook: r.runbook_name, services: r.services, mode: r.mode });
    }
    const deliveries: NewDelivery[] = [];
    for (const e of fresh) {
      // Not yet projected (the run's row lands with its first event): read it again next poll.
      if (e.run_id && !runs.has(e.run_id) && e.type !== 'readiness.changed') continue;
      seen.set(e.key, String(e.id));
      const notice = noticeOf({ key: e.key, type: e.type, runId: e.run_id, stepId: e.step_id, at: new Date(e.at), data: e.data }, e.run_id ? runs.get(e.run_id) : undefined);
      if (!notice) continue;
      for (const target of targetsFor(notice.services, dir.targets)) {
        deliveries.push({ eventKey: e.key, eventId: String(e.id), target: target.name, notice });
      }
    }
    await enqueueDeliveries(db, deliveries);
  }

  async function deliver(dir: NotificationDirectory, row: DeliveryRow, signal: AbortSignal): Promise<void> {
    const target = targetByName(row.target, dir.targets);
    const { attempts: maxAttempts, backoffMs, timeoutMs, link } = dir.settings;
    if (!target) {
      await endDelivery(db, row, { status: 'failed', httpStatus: null, error: 'the target is no longer in the inventory', origin: '', format: '', actor: deps.identity });
      return;
    }
    let url: string;
    try {
      url = await resolveWebhookUrl(target.url);
    } catch (err) {
      // An unset or unreadable reference is this worker's configuration: recorded, named by reference only.
      await endDelivery(db, row, { status: 'failed', httpStatus: null, error: (err as Error).message, origin: '', format: target.format, actor: deps.identity });
      return;
    }
    const origin = urlOrigin(url);
    const outcome = await post(url, notificationBody(target.format, row.notice, link), timeoutMs, signal);
    const end = { origin, format: target.format, actor: deps.identity };
    if (outcome.ok) {
      await endDelivery(db, row, { ...outcome, ...end, status: 'delivered' });
    } else if (outcome.retryable && row.attempts + 1 < maxAttempts) {
      await retryDeliveryLater(db, row, outcome, backoffMs * 2 ** row.attempts);
    } else {
      await endDelivery(db, row, { ...outcome, ...end, status: 'failed' });
    }
  }

  return {
    /**
     * Dispatches until `runForMs` has passed (then returns its cursor) or it is cancelled. Heartbeats
     * its cursor each poll, so a retry after a dead worker resumes where it was.
     */
    async dispatchNotifications(input: DispatchInput): Promise<{ cursor: DispatchCursor }> {
      const ctx = Context.current();
      const resumed = ctx.info.heartbeatDetails as DispatchCursor | undefined;
      let cursor: DispatchCursor = resumed ?? input.cursor ?? { afterId: await lastEventId() };
      const settleMs = input.settleMs ?? 30_000;
      const marks: { afterId: string; atMs: number }[] = [];
      const seen = new Map<string, string>(); // event key → id, for events between the cursor and now
      const raised = new Set<string>();
      const until = Date.now() + input.runForMs;
      while (Date.now() < until) {
        ctx.heartbeat(cursor);
        const dir = await loadNotificationDirectory(db);
        await raiseThresholdAlerts(dir, raised);
        const visible = await lastEventId();
        await enqueueNew(dir, cursor.afterId, seen);
        marks.push({ afterId: visible, atMs: Date.now() });
        while (marks.length && marks[0].atMs <= Date.now() - settleMs) cursor = { afterId: marks.shift()!.afterId };
        for (const [key, id] of seen) if (BigInt(id) <= BigInt(cursor.afterId)) seen.delete(key);

        const due = await claimDueDeliveries(db, DELIVERIES_PER_POLL, dir.settings.timeoutMs + 30_000);
        await Promise.all(due.map((row) => deliver(dir, row, ctx.cancellationSignal)));

        const next = await nextDueAt(db);
        const wait = Math.max(20, Math.min(input.pollMs, next ? next.getTime() - Date.now() : Infinity));
        await sleepUnlessAborted(wait, ctx.cancellationSignal);
        if (deps.stopping?.()) throw ApplicationFailure.retryable('the worker is shutting down', 'WorkerShuttingDown', cursor);
      }
      return { cursor };
    },
  };
}

export type NotificationActivities = ReturnType<typeof createNotificationActivities>;

/** The run's RTO budget: the inventory's target of its services (the strictest), else the runbook's objective. */
function budgetOf(run: { services: string[]; objectiveRtoMs?: number }, dir: NotificationDirectory): number | undefined {
  const listed = run.services.filter((s) => dir.services.has(s));
  return listed.length ? Math.min(...listed.map((s) => dir.services.get(s)!.rtoMs)) : run.objectiveRtoMs;
}

/** The service an alert is told about: the run's first one in the inventory, else its first. */
function serviceOf(run: { runbook: string; services: string[] }, dir: NotificationDirectory): string {
  return run.services.find((s) => dir.services.has(s)) ?? run.services[0] ?? run.runbook;
}

/** The inventory's expected step durations for this run's runbook (step overrun alerts). */
function expectedDurations(run: { runbook: string; services: string[] }, dir: NotificationDirectory): Record<string, number> {
  return dir.services.get(serviceOf(run, dir))?.runbooks.find((b) => b.name === run.runbook)?.expectedDurations ?? {};
}

/** The alerts a live run is due now, each with the service it is told about and its owner. */
function runAlerts(run: LiveRun, dir: NotificationDirectory, nowMs: number): { alert: ThresholdAlert; service: string; owner: string }[] {
  const budgetMs = budgetOf(run, dir);
  if (budgetMs === undefined) return [];
  const service = serviceOf(run, dir);
  const entry = dir.services.get(service);
  const owner = entry?.owner ?? '(not in the inventory)';
  const alerts: ThresholdAlert[] = [];
  const breach = rtoBreachAlert(rtoClock(run.runId, run.startedAtMs, run.marks, run.stepEvents), budgetMs, nowMs, service);
  if (breach) alerts.push(breach);
  // A scheduled run's watcher (scheduledDrill) raises and posts these two itself.
  if (!run.scheduled) {
    const thresholds = { rtoBudgetMs: budgetMs, rtoShare: entry?.rtoShare ?? dir.settings.rtoShare, expectedDurationsMs: expectedDurations(run, dir), owner, pollMs: 0 };
    alerts.push(...dueAlerts({ runId: run.runId, startedAtMs: run.startedAtMs, runningSteps: runningSteps(run.stepEvents) }, thresholds, nowMs, service));
  }
  return alerts.map((alert) => ({ alert, service, owner }));
}

type PostOutcome = AttemptOutcome & { ok: boolean; retryable: boolean };

/**
 * One POST of a JSON body. What it reports never names the URL (a chat webhook's path is its
 * secret): a status, "no answer within …", or the connection error's code.
 */
async function post(url: string, body: Json, timeoutMs: number, cancelled: AbortSignal): Promise<PostOutcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      // A redirect could carry the notice elsewhere: a webhook answers where it is.
      redirect: 'manual',
      signal: AbortSignal.any([timeout, cancelled]),
    });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { ok: true, retryable: false, httpStatus: res.status, error: null };
    const retryable = res.status >= 500 || res.status === 408 || res.status === 425 || res.status === 429;
    return { ok: false, retryable, httpStatus: res.status, error: `answered ${res.status}` };
  } catch (err) {
    if (cancelled.aborted) throw cancelled.reason;
    if (timeout.aborted) return { ok: false, retryable: true, httpStatus: null, error: `no answer within ${timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string } }).cause;
    const reason = cause?.code ?? (err as Error).message ?? 'request failed';
    return { ok: false, retryable: true, httpStatus: null, error: `no answer: ${String(reason).split(url).join(urlOrigin(url))}` };
  }
}
