/**
 * Guards: conditions watched for the whole run (one long-running activity per task queue). A violation
 * aborts, or pauses new steps until an operator decides on `guard:<id>`.
 */
import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { GuardViolation, HumanActivities } from '../../activities/human-activities';
import type { PlanGuard } from '../../src/plan/types';
import { siteTaskQueue } from '../../src/plan/task-queues';
import { message } from '../step-failures';
import { requestAbort } from './compensation';
import { awaitDecision } from './decisions';
import type { RunContext } from './state';

/** Decision keys of guard violations: `guard:<id>`, never a step id (step ids have no colon). */
export const GUARD_KEY_PREFIX = 'guard:';

/** Whether a guard's violation holds new steps (an operator's decision on it is open). */
export function guardHeld(run: RunContext): boolean {
  for (const key of run.awaitingDecision.keys()) if (key.startsWith(GUARD_KEY_PREFIX)) return true;
  return false;
}

/**
 * Watches the guards until the run ends. A violation aborts, or pauses (new steps held) until an
 * operator decides on `guard:<id>`: retry = watch again and go on, skip = ignore this guard from now
 * on (reason required), abort.
 */
export async function watchGuards(run: RunContext, guards: PlanGuard[]): Promise<void> {
  run.guardScope = new CancellationScope();
  for (const g of guards) run.guardStates.set(g.id, { state: 'watching' });
  let violations = 0;
  /** One round: watch until a violation, then abort or wait for the decision (and go round again). */
  const watch = async (): Promise<void> => {
    if (run.endedAt || run.abortRequest) return;
    const watched = guards.filter((g) => run.guardStates.get(g.id)!.state !== 'ignored');
    if (!watched.length) return;
    const violation = await firstViolation(run, watched);
    const guard = guards.find((g) => g.id === violation.guardId)!;
    run.guardStates.set(guard.id, { state: 'violated', error: violation.error });
    run.record('guard.violated', undefined, 'drillbook', { guard: guard.id, error: violation.error, output: violation.output, onViolation: guard.onViolation }, `guard/${guard.id}/${violations++}`);
    if (guard.onViolation === 'abort') {
      requestAbort(run, { reason: `guard "${guard.id}" violated: ${violation.error}`, actor: 'drillbook' });
      return;
    }
    const point = { key: GUARD_KEY_PREFIX + guard.id, stepId: undefined, error: violation.error, about: { guard: guard.id }, transition: `guard/${guard.id}/${violations}`, subject: `guard "${guard.id}"` };
    return awaitDecision(run, point, (decision) => {
      run.readyChanged = true;
      if (!decision) return;
      run.guardStates.set(guard.id, { state: decision.decision === 'skip' ? 'ignored' : 'watching' });
      // Synchronously, as the next turn of a loop would: the next watch starts in this same turn.
      return watch();
    });
  };
  try {
    await run.guardScope.run(watch);
  } catch (err) {
    if (!isCancellation(err)) throw err;
  }
}

/** The first violation among the watchers (one per task queue); the others are cancelled. */
async function firstViolation(run: RunContext, guards: PlanGuard[]): Promise<GuardViolation> {
  const byQueue = new Map<string, PlanGuard[]>();
  for (const g of guards) {
    const queue = g.site ? siteTaskQueue(g.site) : run.input.taskQueue;
    byQueue.set(queue, [...(byQueue.get(queue) ?? []), g]);
  }
  const scope = new CancellationScope();
  try {
    return await scope.run(() =>
      Promise.race(
        [...byQueue.entries()].map(async ([taskQueue, group]) => {
          const watcher = proxyActivities<HumanActivities>({
            taskQueue,
            // Runs as long as the run: restarted after a day, or sooner when its worker dies (heartbeats).
            startToCloseTimeout: '24h',
            heartbeatTimeout: '30s',
            retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
          });
          try {
            return await watcher.watchGuards({ runId: run.runId, guards: group, scope: { mode: run.input.mode, params: run.input.params, steps: {} } });
          } catch (err) {
            if (isCancellation(err)) throw err;
            // A watcher that cannot run (bad adapter input) is a violation: the guard cannot be seen.
            return { guardId: group[0].id, error: `guard watcher failed: ${message(err)}`, output: null, probes: 0 };
          }
        }),
      ),
    );
  } finally {
    scope.cancel();
  }
}
