/**
 * `runCampaign`: runs a campaign's phases in order, each a child `runDrill` with its pinned plan
 * (workflow id `<campaignId>.<phaseId>`, then `-2`, `-3` for retries), started with the campaign's
 * grant of that phase. A failed phase (its run aborted, or verdict `fail`) pauses the campaign for a
 * decision (retry, skip, abort) or aborts it, as the phase's `onFailure` says. An abort of the
 * campaign is forwarded to the running phase, which unwinds its compensations; no later phase starts.
 *
 * The campaign is a run in the trail: a `runs` row and a chain of its own (run.started, a
 * campaign.phase_started / campaign.phase_ended per execution, pauses, decisions, abort, and the
 * end, whose event holds the campaign's record: durations, RTO/RPO per phase against the targets,
 * figures, verdict). Each phase's run writes its own chain. Deterministic: recorded histories in
 * test/fixtures/histories must still replay after any change here.
 */
import { condition, ParentClosePolicy, startChild, workflowInfo } from '@temporalio/workflow';
import {
  campaignDocument,
  campaignServices,
  campaignVerdict,
  phaseExecutionRunId,
  phaseFailed,
  withinTarget,
  type CampaignInput,
  type CampaignPhase,
  type CampaignResult,
  type PhaseRecord,
} from '../../src/plan/campaign';
import type { RunResult } from '../../src/plan/run-messages';
import { runSearchAttributes } from '../../src/plan/search-attributes';
import type { Json } from '../../src/plan/types';
import { auditWriter } from '../run-drill/audit-queue';
import { signedRequest } from '../run-drill/signatures';
import { runDrill } from '../run-drill/run-drill';
import { forwardAbort, registerCampaignHandlers, requestCampaignAbort } from './handlers';
import { CampaignContext } from './state';

export async function runCampaign(input: CampaignInput): Promise<CampaignResult> {
  const c = new CampaignContext(input);
  registerCampaignHandlers(c);
  await c.signatures.verifyOwnStart();
  await auditWriter.recordRunStarted({
    runId: c.campaignId,
    temporalRunId: workflowInfo().runId,
    runbookName: input.campaign.name,
    runbookVersion: input.campaign.version,
    planHash: input.campaignHash,
    plan: campaignDocument(input),
    mode: input.mode,
    params: {},
    services: campaignServices(input.phases),
    objectives: {},
    initiator: input.initiator,
    reason: input.reason,
    startedAt: c.startedAt,
  });
  c.audit.start();
  for (const [i, phase] of input.phases.entries()) {
    if (c.abortRequest) break;
    await runPhase(c, phase, c.phases[i]);
  }
  return finish(c);
}

/** Runs a phase until it completes, is skipped, or the campaign aborts (retries start it again). */
async function runPhase(c: CampaignContext, phase: CampaignPhase, record: PhaseRecord): Promise<void> {
  for (;;) {
    const failure = await runOnce(c, phase, record);
    if (failure === undefined) return;
    if (c.abortRequest) {
      record.state = 'aborted';
      return;
    }
    record.state = 'failed';
    if (phase.onFailure === 'abort') {
      requestCampaignAbort(c, { reason: `phase "${phase.id}" failed: ${failure}`, actor: 'drillbook' });
      return;
    }
    const decision = await awaitPhaseDecision(c, record, failure);
    if (!decision) {
      record.state = 'failed'; // the campaign aborts
      return;
    }
    if (decision === 'skip') {
      record.state = 'skipped';
      return;
    }
  }
}

/** One execution of the phase: its child run, start to result. @returns why it failed, or undefined. */
async function runOnce(c: CampaignContext, phase: CampaignPhase, record: PhaseRecord): Promise<string | undefined> {
  record.execution += 1;
  const { execution } = record;
  const runId = phaseExecutionRunId(c.campaignId, phase.id, execution);
  Object.assign(record, { runId, state: 'running', startedAt: new Date().toISOString() });
  for (const key of ['endedAt', 'durationMs', 'runState', 'verdict', 'rtoMs', 'rpoMs', 'rtoMet', 'rpoMet', 'figures', 'error'] as const) delete record[key];
  c.record('campaign.phase_started', phase.id, 'drillbook', { phase: phase.id, execution, runId, runbook: record.runbook, planHash: record.planHash, mode: record.mode }, `${execution}/phase/started`);
  let result: RunResult | undefined;
  let error: string | undefined;
  try {
    const child = await startChild(runDrill, {
      workflowId: runId,
      taskQueue: phase.run.taskQueue,
      args: [phase.run],
      // A phase half done must finish (or unwind) on its own, even if the campaign is terminated.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: runSearchAttributes(phase.run),
    });
    c.current = child;
    forwardAbort(c); // an abort that arrived while the phase was starting
    result = await child.result();
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  } finally {
    c.current = undefined;
  }
  const endedAt = new Date().toISOString();
  Object.assign(record, {
    endedAt,
    durationMs: Date.parse(endedAt) - Date.parse(record.startedAt!),
    ...(result ? outcomeOf(phase, record, result) : { error }),
  });
  const failure = error ?? (result && phaseFailed(result) ? failureOf(result) : undefined);
  if (failure === undefined) record.state = 'completed';
  c.record('campaign.phase_ended', phase.id, 'drillbook', phaseData(record), `${execution}/phase/ended`);
  return failure;
}

function outcomeOf(phase: CampaignPhase, record: PhaseRecord, result: RunResult): Partial<PhaseRecord> {
  const figures: Record<string, Json> = {};
  for (const stepId of phase.figures) figures[stepId] = result.steps[stepId]?.output ?? null;
  return {
    runState: result.state,
    verdict: result.verdict,
    ...(result.rtoMs !== undefined ? { rtoMs: result.rtoMs } : {}),
    ...(result.rpoMs !== undefined ? { rpoMs: result.rpoMs } : {}),
    ...definedOnly({ rtoMet: withinTarget(result.rtoMs, record.targets.rtoMs), rpoMet: withinTarget(result.rpoMs, record.targets.rpoMs) }),
    ...(phase.figures.length ? { figures } : {}),
  };
}

function failureOf(result: RunResult): string {
  const failed = Object.entries(result.steps).find(([, s]) => s.state === 'failed');
  const why = failed ? `step "${failed[0]}" failed${failed[1].error ? `: ${failed[1].error}` : ''}` : 'an objective was missed';
  return `the run ended ${result.state} with verdict ${result.verdict} (${why})`;
}

/** Pauses on a failed phase until a decision (or an abort). @returns retry or skip; undefined when the campaign aborts. */
async function awaitPhaseDecision(c: CampaignContext, record: PhaseRecord, error: string): Promise<'retry' | 'skip' | undefined> {
  const transition = `${record.execution}/phase`;
  c.awaiting = { phaseId: record.id, error, since: new Date().toISOString() };
  c.state = 'paused';
  record.state = 'paused';
  c.record('run.paused', record.id, 'drillbook', { phase: record.id, runId: record.runId ?? null, error }, `${transition}/paused`);
  await condition(() => c.decision !== undefined || c.abortRequest !== undefined);
  const decision = c.decision;
  c.decision = undefined;
  c.awaiting = undefined;
  if (!decision) return undefined;
  c.record('decision.applied', record.id, decision.actor, { phase: record.id, decision: decision.decision, reason: decision.reason ?? null, ...signedRequest(decision) }, `${transition}/decision`);
  if (decision.decision === 'abort') {
    requestCampaignAbort(c, { reason: decision.reason?.trim() || `abort decided on phase "${record.id}"`, actor: decision.actor });
    return undefined;
  }
  c.state = 'running';
  if (decision.decision === 'skip') record.skipReason = `skipped by ${decision.actor}: ${decision.reason}`;
  return decision.decision;
}

/** The outcome and the campaign's record, written with the end (the chain's last link). */
async function finish(c: CampaignContext): Promise<CampaignResult> {
  const aborted = c.abortRequest !== undefined;
  c.state = aborted ? 'aborted' : 'completed';
  c.endedAt = new Date().toISOString();
  const verdict = campaignVerdict({ aborted, phases: c.phases });
  const durationMs = Date.parse(c.endedAt) - Date.parse(c.startedAt);
  await c.audit.close();
  await auditWriter.recordRunEnded({
    runId: c.campaignId,
    state: aborted ? 'aborted' : 'completed',
    verdict,
    endedAt: c.endedAt,
    events: c.audit.take(),
    campaign: { durationMs, phases: c.phases.map(phaseData) },
  });
  return { state: aborted ? 'aborted' : 'completed', verdict, durationMs, phases: c.phases.map((p) => ({ ...p })) };
}

/** A phase's record as the trail keeps it (JSON: absent values are null). */
function phaseData(p: PhaseRecord): Json {
  return JSON.parse(JSON.stringify(p)) as Json;
}

function definedOnly<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
