/**
 * `runDrill`: the one generic workflow that interprets a pinned plan. Deterministic: no I/O, no clock
 * but the workflow's, steps started in plan order. Each action/check step is ONE activity that writes
 * its own audit events (idempotently, keyed run/step/execution/transition); what only the workflow
 * knows (skips, waits, failures after retries, decisions, the outcome) is queued and written in
 * batches by a local activity, so the audit trail costs no extra Temporal round trip per step.
 *
 * This file is the run's course: start, schedule until done or aborted, unwind, finish. The parts:
 * state.ts (what the run knows), scheduler.ts, step-execution.ts (+ activity-options.ts,
 * step-results.ts), decisions.ts, human-waits.ts (+ human-handlers.ts), guards.ts, compensation.ts
 * (abort), progress.ts (the query), audit-queue.ts, signatures.ts, verdict.ts (pure), patches.ts.
 * The order of commands is part of every run's history: recorded histories in
 * test/fixtures/histories must still replay after any change here.
 */
import { condition, patched, workflowInfo } from '@temporalio/workflow';
import type { Json, RunInput } from '../../src/plan/types';
import { computeObjectives } from '../../src/plan/objectives';
import type { RunResult } from '../../src/plan/run-messages';
import { SIGNED_ACTIONS_PATCH } from '../start-verification';
import { auditWriter } from './audit-queue';
import { registerAbortHandler, registerCampaignAbort, unwind } from './compensation';
import { registerDecisionHandler } from './decisions';
import { guardHeld, watchGuards } from './guards';
import { registerHumanHandlers } from './human-handlers';
import { ABORT_FLUSH_BARRIER_PATCH } from './patches';
import { registerProgressQuery } from './progress';
import { Scheduler } from './scheduler';
import { RunContext } from './state';
import { runOutcome } from './verdict';

export async function runDrill(input: RunInput): Promise<RunResult> {
  const run = new RunContext(input);
  return execute(run, new Scheduler(run));
}

async function execute(run: RunContext, scheduler: Scheduler): Promise<RunResult> {
  // A run verifies the front door's signature of its start and of every person's action, with the
  // keys its worker trusts. Patched so that runs started before (unsigned actions in their history)
  // replay as they ran; every new run takes it. Decided before any handler can run, so no Update is
  // ever validated on the wrong path.
  run.signatures.signed = patched(SIGNED_ACTIONS_PATCH);
  run.flushBarrier = patched(ABORT_FLUSH_BARRIER_PATCH);
  registerProgressQuery(run);
  registerDecisionHandler(run);
  registerHumanHandlers(run);
  registerAbortHandler(run);
  if (run.signatures.signed) {
    await run.signatures.verifyOwnStart();
    registerCampaignAbort(run);
  }
  const { plan, planHash, mode, params, initiator, reason } = run.input;
  await auditWriter.recordRunStarted({
    runId: run.runId,
    temporalRunId: workflowInfo().runId,
    runbookName: plan.runbook.name,
    runbookVersion: plan.runbook.version,
    planHash,
    plan: plan as unknown as Json,
    mode,
    params,
    services: plan.services,
    objectives: plan.objectives as Json,
    initiator,
    reason,
    startedAt: run.startedAt,
  });
  run.audit.start();
  if (plan.guards?.length) void watchGuards(run, plan.guards);

  while (!run.abortRequest) {
    // A guard's violation holds new steps until an operator decides (plans without guards never hold).
    const held = guardHeld(run);
    if (!held) scheduler.launchReady();
    if (run.active.size === 0 && !held) break;
    await condition(() => run.readyChanged || run.abortRequest !== undefined);
    run.readyChanged = false;
  }

  if (run.abortRequest) await unwind(run);
  return finish(run);
}

/** The outcome and verdict; every queued event lands before the outcome, so it is the chain's last link. */
async function finish(run: RunContext): Promise<RunResult> {
  run.objectives = computeObjectives(run.input.plan, run.results);
  const { state, verdict } = runOutcome({ aborted: run.abortRequest !== undefined, steps: run.progress.values(), measured: run.objectives, objectives: run.input.plan.objectives });
  run.state = state;
  run.endedAt = new Date().toISOString();
  run.guardScope?.cancel();
  await run.audit.close();
  await auditWriter.recordRunEnded({
    runId: run.runId,
    state,
    verdict,
    rtoMs: run.objectives.rtoMs,
    rpoMs: run.objectives.rpoMs,
    endedAt: run.endedAt,
    events: run.audit.take(),
  });
  const steps: RunResult['steps'] = {};
  for (const p of run.progress.values()) {
    steps[p.id] = { state: p.state, output: run.results.get(p.id)?.output, error: p.error };
  }
  return { state, verdict, rtoMs: run.objectives.rtoMs, rpoMs: run.objectives.rpoMs, steps };
}
