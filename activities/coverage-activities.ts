/**
 * The drill programme's activities: the coverage report and its notices, and the threshold watcher
 * of a live scheduled run. Notices and alerts are sent once: each is an audit event with a
 * deterministic key, looked up before sending and written after (a crash between the two may repeat
 * one notice; receivers tolerate a duplicate, as with the `notify` adapter).
 */
import { Context } from '@temporalio/activity';
import type { Kysely } from 'kysely';
import { appendAuditEvents } from '../src/audit/append-events';
import { isSecretRef } from '../src/config/secret-ref';
import type { Database } from '../src/audit/database';
import { coverageNotices, type CoverageNotice } from '../src/coverage/compute';
import { coverageReport, programmeSettings, type CoverageReport } from '../src/coverage/query';
import { alertEvent, dueAlerts, runningSteps, type ThresholdAlert } from '../src/coverage/run-thresholds';
import type { Json } from '../src/plan/types';
import type { RunThresholds } from '../src/plan/programme';
import { notifyAdapter, notifyInput } from './adapters/notify';
import { activityEnvironment, runAdapter } from './adapter-call';
import { sleepUnlessAborted } from './abortable-sleep';

export interface ProgrammeActivityDeps {
  db: Kysely<Database>;
  /** Recorded as the actor of notices and alerts. */
  identity: string;
}

/** Chain of the programme's own events (coverage notices). */
export const PROGRAMME_CHAIN = 'programme';

export function createProgrammeActivities(deps: ProgrammeActivityDeps) {
  const { db } = deps;

  async function alreadyRecorded(key: string): Promise<boolean> {
    return !!(await db.selectFrom('audit_events').select('key').where('key', '=', key).executeTakeFirst());
  }

  async function post(url: string, message: string, data: Json): Promise<void> {
    // The inventory may name its webhook by a secret reference: the adapter reads it when it posts.
    const target = isSecretRef(url) ? { urlFromSecret: url } : { url };
    await runAdapter(notifyAdapter, notifyInput.parse({ ...target, message, channel: 'drillbook-programme', data }), activityEnvironment());
  }

  return {
    /** The coverage report as of `asOf` (the workflow's time, so a replay asks the same question). */
    async computeCoverageReport(input: { asOf: string; dueWithinMs?: number }): Promise<CoverageReport> {
      return coverageReport(db, new Date(input.asOf), { dueWithinMs: input.dueWithinMs });
    },

    /**
     * Sends one notice per service due soon or overdue, to the service's webhook (else the
     * programme's), at most once per service, kind and day of `asOf`.
     */
    async sendCoverageNotices(input: { report: CoverageReport }): Promise<{ sent: string[]; skipped: string[]; undeliverable: string[] }> {
      const settings = await programmeSettings(db);
      const day = input.report.asOf.slice(0, 10);
      const sent: string[] = [];
      const skipped: string[] = [];
      const undeliverable: string[] = [];
      for (const notice of coverageNotices(input.report.services)) {
        const key = `${PROGRAMME_CHAIN}/coverage/${notice.coverage.period.id}/${notice.service}/${notice.kind}/${day}`;
        const label = `${notice.service}:${notice.kind}`;
        if (await alreadyRecorded(key)) {
          skipped.push(label);
          continue;
        }
        const url = notice.coverage.notify ?? settings?.webhook ?? undefined;
        const data = noticeData(notice);
        if (url) await post(url, noticeMessage(notice), data);
        else undeliverable.push(label);
        await appendAuditEvents(db, [
          { key, chainId: PROGRAMME_CHAIN, runId: null, type: 'coverage.notified', actor: deps.identity, data: { ...data, delivered: !!url } },
        ]);
        if (url) sent.push(label);
      }
      return { sent, skipped, undeliverable };
    },

    /**
     * Watches a live run until it ends (or this activity is cancelled), notifying its owner of each
     * threshold passed, once. Heartbeats every poll; the run's events come from the audit trail.
     */
    async watchRunThresholds(input: { runId: string; service: string; thresholds: RunThresholds }): Promise<{ alerts: string[] }> {
      const ctx = Context.current();
      const raised: string[] = [];
      for (;;) {
        ctx.heartbeat();
        const run = await db.selectFrom('runs').select(['started_at', 'ended_at']).where('run_id', '=', input.runId).executeTakeFirst();
        if (run?.ended_at) return { alerts: raised };
        if (run) {
          const events = await db
            .selectFrom('audit_events')
            .select(['type', 'step_id', 'at'])
            .where('run_id', '=', input.runId)
            .where('type', 'like', 'step.%')
            .orderBy('seq')
            .execute();
          const state = { runId: input.runId, startedAtMs: run.started_at.getTime(), runningSteps: runningSteps(events.map((e) => ({ type: e.type, stepId: e.step_id, at: e.at }))) };
          for (const alert of dueAlerts(state, input.thresholds, Date.now(), input.service)) {
            if (await alreadyRecorded(alert.key)) continue;
            await raise(input, alert);
            raised.push(alert.key);
          }
        }
        await sleepUnlessAborted(input.thresholds.pollMs, ctx.cancellationSignal);
      }
    },
  };

  async function raise(input: { runId: string; service: string; thresholds: RunThresholds }, alert: ThresholdAlert): Promise<void> {
    const event = alertEvent(alert, { runId: input.runId, service: input.service, owner: input.thresholds.owner }, deps.identity, !!input.thresholds.webhook);
    const { delivered: _d, message: _m, ...data } = event.data as { [k: string]: Json };
    if (input.thresholds.webhook) await post(input.thresholds.webhook, alert.message, data);
    await appendAuditEvents(db, [event]);
  }
}

export type ProgrammeActivities = ReturnType<typeof createProgrammeActivities>;

function noticeMessage(n: CoverageNotice): string {
  const c = n.coverage;
  return n.kind === 'overdue'
    ? `${c.service} is overdue for its ${c.cadence} DR drill (none passed in the previous period); owner ${c.owner}`
    : `${c.service} has not been drilled in ${c.period.id}; deadline ${c.deadline} (${c.daysLeft} days left); owner ${c.owner}`;
}

function noticeData(n: CoverageNotice): { [k: string]: Json } {
  const c = n.coverage;
  return {
    kind: n.kind,
    service: c.service,
    owner: c.owner,
    period: c.period.id,
    deadline: c.deadline,
    daysLeft: c.daysLeft,
    changedSinceDrill: c.changedSinceDrill,
    lastDrill: c.lastDrill?.runId ?? null,
  };
}

