/**
 * Threshold alerts of a live run: its elapsed time past a share of the RTO budget, or a step running
 * longer than expected. Pure: the watcher activity feeds it what the audit trail says so far, and
 * sends each alert once (its key is the idempotency key of the `alert.raised` audit event).
 */
import type { AuditEventInput } from '../audit/append-events';
import { formatDuration } from '../plan/duration';
import type { RunThresholds } from '../plan/programme';
import type { Json } from '../plan/types';

export interface LiveRunState {
  runId: string;
  startedAtMs: number;
  /** Steps running now, with when their current execution started. */
  runningSteps: { stepId: string; startedAtMs: number }[];
}

export interface ThresholdAlert {
  key: string;
  kind: 'rto-share' | 'step-overrun' | 'rto-breach';
  stepId?: string;
  message: string;
  data: { elapsedMs: number; limitMs: number; [k: string]: string | number };
}

export function dueAlerts(state: LiveRunState, thresholds: RunThresholds, nowMs: number, service: string): ThresholdAlert[] {
  const out: ThresholdAlert[] = [];
  const elapsed = nowMs - state.startedAtMs;
  const limit = Math.round(thresholds.rtoBudgetMs * thresholds.rtoShare);
  if (elapsed >= limit) {
    out.push({
      key: `${state.runId}/-/alert/rto-share`,
      kind: 'rto-share',
      message: `${service}: run ${state.runId} has run ${formatDuration(elapsed)}, past ${Math.round(thresholds.rtoShare * 100)}% of its RTO budget ${formatDuration(thresholds.rtoBudgetMs)}`,
      data: { elapsedMs: elapsed, limitMs: limit, rtoBudgetMs: thresholds.rtoBudgetMs, share: thresholds.rtoShare },
    });
  }
  for (const step of state.runningSteps) {
    const expected = thresholds.expectedDurationsMs[step.stepId];
    if (expected === undefined) continue;
    const ran = nowMs - step.startedAtMs;
    if (ran > expected) {
      out.push({
        key: `${state.runId}/${step.stepId}/alert/step-overrun`,
        kind: 'step-overrun',
        stepId: step.stepId,
        message: `${service}: step "${step.stepId}" of run ${state.runId} has run ${formatDuration(ran)}, longer than the expected ${formatDuration(expected)}`,
        data: { elapsedMs: ran, limitMs: expected },
      });
    }
  }
  return out;
}

/** A live run's RTO clock: from its first `rto.start` step's start (else the run's), until an `rto.end` step completed. */
export interface RtoClock {
  runId: string;
  startedAtMs: number;
  ended: boolean;
}

/** The run's RTO budget is spent while its RTO clock still runs: the objective is being missed now. */
export function rtoBreachAlert(clock: RtoClock, budgetMs: number, nowMs: number, service: string): ThresholdAlert | undefined {
  if (clock.ended) return undefined;
  const elapsed = nowMs - clock.startedAtMs;
  if (elapsed < budgetMs) return undefined;
  return {
    key: `${clock.runId}/-/alert/rto-breach`,
    kind: 'rto-breach',
    message: `${service}: run ${clock.runId} has been recovering for ${formatDuration(elapsed)}, past its RTO ${formatDuration(budgetMs)}`,
    data: { elapsedMs: elapsed, limitMs: budgetMs, rtoBudgetMs: budgetMs },
  };
}

/** The RTO clock from a run's step events in trail order and its marked step ids. */
export function rtoClock(
  runId: string,
  runStartedAtMs: number,
  marks: { start: ReadonlySet<string>; end: ReadonlySet<string> },
  events: readonly { type: string; stepId: string | null; at: Date }[],
): RtoClock {
  let startedAtMs: number | undefined;
  let ended = false;
  for (const e of events) {
    if (!e.stepId) continue;
    if (marks.start.has(e.stepId) && (e.type === 'step.started' || e.type === 'step.waiting' || e.type === 'approval.requested')) {
      startedAtMs = Math.min(startedAtMs ?? Infinity, e.at.getTime());
    }
    if (marks.end.has(e.stepId) && e.type === 'step.completed') ended = true;
  }
  return { runId, startedAtMs: marks.start.size ? (startedAtMs ?? Infinity) : runStartedAtMs, ended };
}

/**
 * The `alert.raised` event of an alert: one key per run and alert, in the run's chain of alerts (the
 * run's own chain ends with its outcome, and an alert may race it). The scheduled watcher and the
 * notification dispatcher both write it this way, so an alert is raised once whichever comes first.
 */
export function alertEvent(
  alert: ThresholdAlert,
  run: { runId: string; service: string; owner: string },
  actor: string,
  delivered: boolean,
): AuditEventInput {
  const data: { [k: string]: Json } = {
    ...alert.data,
    kind: alert.kind,
    runId: run.runId,
    service: run.service,
    owner: run.owner,
    ...(alert.stepId ? { stepId: alert.stepId } : {}),
    delivered,
    message: alert.message,
  };
  return { key: alert.key, chainId: `alerts:${run.runId}`, runId: run.runId, type: 'alert.raised', stepId: alert.stepId ?? null, actor, data };
}

/** Which steps are running, from a run's step events in trail order. */
export function runningSteps(events: readonly { type: string; stepId: string | null; at: Date }[]): LiveRunState['runningSteps'] {
  const running = new Map<string, number>();
  for (const e of events) {
    if (!e.stepId) continue;
    if (e.type === 'step.started') {
      if (!running.has(e.stepId)) running.set(e.stepId, e.at.getTime());
    } else if (e.type === 'step.completed' || e.type === 'step.failed' || e.type === 'step.skipped' || e.type === 'step.cancelled') {
      running.delete(e.stepId);
    }
  }
  return [...running].map(([stepId, startedAtMs]) => ({ stepId, startedAtMs }));
}
