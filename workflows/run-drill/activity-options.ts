/** How a step's activity is called: its task queue, timeouts, retries and cancellation. */
import { ActivityCancellationType, patched, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { StepActivities } from '../../activities/step-activities';
import type { PlanStep } from '../../src/plan/types';
import { siteTaskQueue } from '../../src/plan/task-queues';
import { UNDO_CANCELLED_PATCH } from './patches';
import type { RunContext } from './state';

/** A step's activity must heartbeat this often, so a killed worker's activity is retried soon. */
const HEARTBEAT_TIMEOUT_MS = 10_000;
/** Steps without a `timeout`: long enough for a slow infrastructure API, short enough to notice. */
const DEFAULT_STEP_TIMEOUT_MS = 10 * 60_000;
/** A check without its own timeout gets its polling budget plus this grace for the last probe. */
const CHECK_GRACE_MS = 30_000;

export function stepActivities(run: RunContext, step: PlanStep): StepActivities {
  const timeoutMs = step.timeoutMs ?? defaultTimeoutMs(run, step);
  const retry = {
    maximumAttempts: step.retry.maxAttempts,
    initialInterval: step.retry.initialIntervalMs,
    backoffCoefficient: step.retry.backoffCoefficient,
    maximumInterval: step.retry.maxIntervalMs,
  };
  // A local step skips the task queue (a failover's critical path); plans without `local` never
  // reach this branch, so histories of earlier runs replay unchanged.
  // A cancelled sequence, or step with an undo, is waited for: what it completed is known before the undo.
  const waits = step.kind === 'sequence' || (step.compensate !== undefined && patched(UNDO_CANCELLED_PATCH));
  if (waits) run.waitsForCancel.add(step.id);
  const cancellationType = waits ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : undefined;
  if (step.local) return proxyLocalActivities<StepActivities>({ startToCloseTimeout: timeoutMs, retry, ...(cancellationType ? { cancellationType } : {}) });
  return proxyActivities<StepActivities>({
    ...(cancellationType ? { cancellationType } : {}),
    taskQueue: step.site ? siteTaskQueue(step.site) : run.input.taskQueue,
    startToCloseTimeout: timeoutMs,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_MS,
    retry,
  });
}

/** A polled check gets its window and a grace; a sequence its members' windows on top of the default. */
function defaultTimeoutMs(run: RunContext, step: PlanStep): number {
  if (step.kind === 'check' && step.until) return step.until.withinMs + CHECK_GRACE_MS;
  if (step.kind !== 'sequence') return DEFAULT_STEP_TIMEOUT_MS;
  const windows = step.members.map((id) => run.stepsById.get(id)!).map((m) => (m.kind === 'check' && m.until ? m.until.withinMs : 0));
  return DEFAULT_STEP_TIMEOUT_MS + windows.reduce((a, b) => a + b, 0);
}
