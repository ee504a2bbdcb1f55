/**
 * Threshold alerts of a live run: its elapsed time past a share of the RTO budget, or a step running
 * longer than expected. Pure: the watcher activity feeds it what the audit trail says so far, and
 * sends each alert once (its key is the idempotency key of the `alert.raised` audit event).
 */
import { formatDuration } from '../plan/duration';
import type { RunThresholds } from '../plan/programme';

export interface LiveRunState {
  runId: string;
  startedAtMs: number;
  /** Steps running now, with when their current execution started. */
  runningSteps: { stepId: string; startedAtMs: number }[];
}

export interface ThresholdAlert {
  key: string;
  kind: 'rto-share' | 'step-overrun';
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
