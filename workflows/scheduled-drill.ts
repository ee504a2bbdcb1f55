/**
 * `scheduledDrill`: what a drill schedule's action starts. It holds the drill back while a blackout
 * window (month-end closing, change freeze) is in force — a durable timer until the window ends, the
 * deferral recorded in the run's audit trail as `drill.deferred` — then runs `runDrill` with the plan
 * pinned in the schedule as a child, its initiator `schedule:<id>`. While the run goes on, a
 * threshold watcher (an activity on the programme queue) notifies the owner of slow runs and steps.
 * It fails when the drill does not pass, so a schedule with pauseOnFailure stops until someone looks.
 */
import {
  ApplicationFailure,
  CancellationScope,
  isCancellation,
  ParentClosePolicy,
  patched,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { StepActivities } from '../activities/step-activities';
import type { ProgrammeActivities } from '../activities/coverage-activities';
import type { RunInput } from '../src/plan/types';
import { deferralEnd } from '../src/plan/blackout';
import { runSearchAttributes } from '../src/plan/search-attributes';
import { scheduleInitiator, type ScheduledDrillInput, type ScheduledDrillResult } from '../src/plan/programme';
import { runDrill } from './run-drill/run-drill';
import { SIGNED_ACTIONS_PATCH, verifiedStart } from './start-verification';

const auditWriter = proxyLocalActivities<StepActivities>({
  startToCloseTimeout: '30s',
  // The deferral must reach the trail: retry until the database answers (the write is keyed, idempotent).
  retry: { initialInterval: '200ms', maximumInterval: '10s', backoffCoefficient: 2 },
});

export async function scheduledDrill(input: ScheduledDrillInput): Promise<ScheduledDrillResult> {
  const self = workflowInfo().workflowId;
  // The run's id derives from this workflow's (which the schedule makes unique per action time).
  const runId = `${self}.run`;
  const initiator = scheduleInitiator(input.scheduleId);
  // The schedule's grant is the run's signed start (the run checks it covers exactly this run).
  const run: RunInput = { ...input.run, initiator, ...(input.grant ? { auth: input.grant } : {}) };
  // Checked here too, before the deferral writes into the run's chain: a wrapper started around the
  // schedule (straight on Temporal) writes nothing there.
  if (patched(SIGNED_ACTIONS_PATCH)) await verifiedStart(runId, run);
  const dueAt = Date.now();
  const deferral = deferralEnd(input.blackouts, dueAt);
  if (deferral) {
    const at = new Date(dueAt).toISOString();
    await auditWriter.appendAuditEvents([
      {
        key: `${runId}/-/drill/deferred`,
        runId,
        type: 'drill.deferred',
        actor: initiator,
        at,
        data: {
          service: input.service,
          scheduleId: input.scheduleId,
          dueAt: at,
          deferredUntil: new Date(deferral.untilMs).toISOString(),
          blackouts: deferral.windows,
          runbook: input.run.plan.runbook.name,
          planHash: input.run.planHash,
        },
      },
    ]);
    await sleep(deferral.untilMs - dueAt);
  }

  const child = await startChild(runDrill, {
    workflowId: runId,
    taskQueue: run.taskQueue,
    args: [run],
    // A drill half done must finish (or unwind) on its own, even if this wrapper is terminated.
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: runSearchAttributes({ ...run, initiator }),
  });

  const watcher = new CancellationScope();
  const watching = input.thresholds && input.programmeTaskQueue
    ? watcher.run(() =>
        proxyActivities<ProgrammeActivities>({
          taskQueue: input.programmeTaskQueue,
          // The watcher lives as long as the run; heartbeats tell a dead worker from a long drill.
          startToCloseTimeout: '30d',
          heartbeatTimeout: '30s',
          retry: { initialInterval: '1s', maximumInterval: '30s' },
        }).watchRunThresholds({ runId, service: input.service, thresholds: input.thresholds! }),
      ).catch((err) => {
        if (!isCancellation(err)) throw err;
      })
    : Promise.resolve();

  const result = await child.result();
  // The watcher ends by itself once the trail shows the run ended (within a poll); give it that long
  // rather than cancel it mid-poll, and cancel only if no programme worker is serving it.
  if (input.thresholds) await Promise.race([watching, sleep(input.thresholds.pollMs + 5_000)]);
  watcher.cancel();
  await watching.catch(() => undefined); // alerts are best effort; the drill's outcome stands

  const outcome: ScheduledDrillResult = {
    runId,
    deferredUntil: deferral ? new Date(deferral.untilMs).toISOString() : undefined,
    state: result.state,
    verdict: result.verdict,
  };
  if (result.verdict !== 'pass') {
    // Non-retryable: the drill happened; running it again is a decision for people.
    throw ApplicationFailure.create({
      message: `scheduled drill ${runId} ended ${result.state} with verdict ${result.verdict}`,
      type: 'ScheduledDrillNotPassed',
      nonRetryable: true,
      details: [outcome],
    });
  }
  return outcome;
}
