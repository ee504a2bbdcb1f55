/**
 * The DR drill cycle on the lab, as the demo runs it and the end-to-end test checks it:
 * lab up (reset to its initial topology) → load generator on → failover-to-dr (drill) →
 * restore-primary (drill) → load off → what the customer saw next to what drillbook measured.
 *
 * Each runbook is one real run, started through the operators' API like anyone's (the API's token
 * names the initiator) on the API's task queue, workers already started by the caller; the caller
 * reads the result from Temporal. The runbooks talk to the lab only through their params: the sites'
 * infra API URLs and PostgreSQL URLs (straight to a site, or through the traffic switch).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { infraApiUrl, siteConnectionString, switchConnectionString, type LabConfig } from '../../../lab/config';
import { labReset } from '../../../lab/failback';
import { labStatus, labUp, type LabStatus } from '../../../lab/lab';
import { findMissingSeqs, startLoad, type LoadReport, type WriteGap } from '../../../lab/load-generator';
import type { RunResult } from '../../plan/run-messages';
import type { runDrill } from '../../../workflows/run-drill/run-drill';
import { adapterRegistry } from '../../../activities/adapters/index';
import type { ApiClient } from '../api-client';
import { startRunViaApi } from '../api-runs';
import type { Db } from '../../audit/database';
import { getRunStory } from '../../audit/run-story';
import type { StepResult } from '../../audit/step-results';
import { verifyAuditChain } from '../../audit/verify-chain';
import { projectRoot } from '../../config/paths';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { loadRunbookText } from '../../runbook/load';
import { resolveParams } from '../../plan/params';
import type { Mark, Mode, Plan } from '../../plan/types';

export const RUNBOOKS_DIR = path.join(projectRoot, 'runbooks');
export const CYCLE_RUNBOOKS = ['failover-to-dr', 'restore-primary'] as const;

/** The params every lab runbook draws from; each run gets the ones its runbook declares. */
export function labRunbookParams(lab: LabConfig, webhook?: string): Record<string, string> {
  return {
    siteA: infraApiUrl(lab, 'site-a'),
    siteB: infraApiUrl(lab, 'site-b'),
    siteADb: siteConnectionString(lab, 'site-a'),
    siteBDb: siteConnectionString(lab, 'site-b'),
    switchDb: switchConnectionString(lab),
    ...(webhook ? { webhook } : {}),
  };
}

export interface LabRunOptions {
  /** The operators' API, with the token of the user who starts the runs (their initiator). */
  api: ApiClient;
  /** Temporal, to read each run's result. */
  client: Client;
  lab: LabConfig;
  runbook: string;
  mode: Mode;
  webhook?: string;
  /** Overrides and extra params (e.g. capacityRatio). */
  params?: Record<string, string>;
  reason: string;
  /** Told the run's id as soon as it started (the demo prints it; a live view may follow it). */
  onStarted?: (runId: string) => void | Promise<void>;
  /** Waits for the result; default `handle.result()`. */
  follow?: (handle: WorkflowHandle<typeof runDrill>) => Promise<RunResult>;
}

/** Starts one lab runbook as a run and waits for its result. Throws when the runbook or params are invalid. */
export async function runLabRunbook(options: LabRunOptions): Promise<{ runId: string; result: RunResult; targets: { rtoMs?: number; rpoMs?: number } }> {
  const file = path.relative(projectRoot, path.join(RUNBOOKS_DIR, `${options.runbook}.yaml`));
  const text = readFileSync(path.join(projectRoot, file), 'utf8');
  const { plan, diagnostics } = loadRunbookText(text, file, { registry: adapterRegistry });
  if (!plan) {
    throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  }
  const declared = new Set(plan.params.map((p) => p.name));
  const offered = { ...labRunbookParams(options.lab, options.webhook), ...options.params };
  const raw = Object.fromEntries(Object.entries(offered).filter(([name]) => declared.has(name)));
  const { values, errors } = resolveParams(plan, raw);
  if (errors.length > 0) throw new Error(`${options.runbook}: ${errors.join('; ')}`);
  const started = await startRunViaApi(options.api, { runbook: text, file, mode: options.mode, params: values, reason: options.reason });
  await options.onStarted?.(started.runId);
  const handle = options.client.workflow.getHandle<typeof runDrill>(started.runId);
  const result = await (options.follow ? options.follow(handle) : handle.result());
  return { runId: started.runId, result, targets: plan.objectives };
}

export interface CycleRunOutcome {
  runbook: string;
  runId: string;
  state: RunResult['state'];
  verdict: RunResult['verdict'];
  /** Measured by drillbook from the marked steps, as written to the audit trail (runs row). */
  rtoMs: number | null;
  rpoMs: number | null;
  targets: { rtoMs?: number; rpoMs?: number };
  startedAt: string;
  endedAt: string;
  /** What the load generator saw during this run: its longest window with no acknowledged write. */
  clientRtoMs: number | null;
  clientGap: WriteGap | null;
  /** Audit events of the run, and whether its hash chain verifies. */
  auditEvents: number;
  chainIntact: boolean;
  /** rtoMs/rpoMs of the run.completed (or .aborted) event: the trail's own record of the figures. */
  endEvent: { type: string; rtoMs: number | null; rpoMs: number | null } | null;
  /** Each completed step: when it started (ms after the run's start) and how long it took. */
  timeline: Array<{ stepId: string; atMs: number; durationMs: number }>;
}

export interface CycleReport {
  runs: CycleRunOutcome[];
  load: LoadReport;
  /** Writes the load generator saw acknowledged that are missing from site A after the failback. */
  missingAfterFailback: number[];
  topology: LabStatus;
}

export interface CycleOptions {
  /** The operators' API and the token the runs are started with (src/cli/demo/demo-identity.ts for the demo). */
  api: ApiClient;
  client: Client;
  db: Db;
  lab: LabConfig;
  webhook?: string;
  reason: string;
  /** Writes per second of the load generator (default 200). */
  ratePerSec?: number;
  /** Load before, between and after the runs, so each outage has steady writes around it (default 1000 ms). */
  settleMs?: number;
  /** Progress lines (the demo prints them). */
  log?: (line: string) => void;
  follow?: LabRunOptions['follow'];
  onStarted?: LabRunOptions['onStarted'];
}

/** The longest gap that overlaps [from, to]. */
/** From the start of the `rto.start` step to the end of the `rto.end` step, when both ran. */
function outageWindow(plan: Plan | undefined, steps: StepResult[]): { from: Date; to: Date } | undefined {
  const marked = (mark: Mark) => plan?.steps.find((s) => s.marks.includes(mark))?.id;
  const result = (id: string | undefined) => steps.find((s) => s.stepId === id && s.status === 'completed');
  const from = result(marked('rto.start'))?.startedAt;
  const to = result(marked('rto.end'))?.endedAt;
  return from && to ? { from, to } : undefined;
}

function longestGapWithin(gaps: WriteGap[], from: string, to: string): WriteGap | null {
  const start = Date.parse(from);
  const end = Date.parse(to);
  let longest: WriteGap | null = null;
  for (const gap of gaps) {
    if (Date.parse(gap.to) < start || Date.parse(gap.from) > end) continue;
    if (!longest || gap.ms > longest.ms) longest = gap;
  }
  return longest;
}

export async function runDrillCycle(options: CycleOptions): Promise<CycleReport> {
  const log = options.log ?? (() => undefined);
  const settleMs = options.settleMs ?? 1000;
  const up = await labUp(options.lab);
  log(`lab up in ${Math.round(up.durationMs)} ms (${up.actions.map((a) => `${a.part} ${a.action}`).join(', ')})`);
  if (!(await labStatus(options.lab)).initialTopology) {
    const reset = await labReset(options.lab);
    log(`lab reset to its initial topology: ${reset.actions.join(', ') || 'nothing to do'}`);
  }

  const load = startLoad({
    connectionString: switchConnectionString(options.lab),
    verifyConnectionString: siteConnectionString(options.lab, 'site-a'),
    ratePerSec: options.ratePerSec ?? 200,
  });
  log(`load generator on: ${options.ratePerSec ?? 200} transfers/s through the traffic switch`);
  const finished: Array<{ runbook: string; runId: string; result: RunResult; targets: { rtoMs?: number; rpoMs?: number } }> = [];
  let report: LoadReport;
  try {
    await sleep(settleMs);
    for (const runbook of CYCLE_RUNBOOKS) {
      log(`${runbook} (drill) starting`);
      const run = await runLabRunbook({
        api: options.api,
        client: options.client,
        lab: options.lab,
        runbook,
        mode: 'drill',
        webhook: options.webhook,
        reason: options.reason,
        follow: options.follow,
        onStarted: options.onStarted,
      });
      finished.push({ runbook, ...run });
      log(`${runbook}: ${run.result.state}, verdict ${run.result.verdict}`);
      if (run.result.state !== 'completed') break;
      await sleep(settleMs);
    }
  } finally {
    report = await load.stop();
  }
  log(`load generator off: ${report.committed} transfers acknowledged, ${report.failedNoAnswer} without answer, ${report.rejected} refused`);

  const all = report.committedSeqs;
  const missingAfterFailback = await findMissingSeqs(siteConnectionString(options.lab, 'site-a'), all);
  const runs: CycleRunOutcome[] = [];
  for (const run of finished) {
    const story = await getRunStory(options.db, run.runId);
    const integrity = await verifyAuditChain(options.db, { chainId: run.runId });
    const started = story.run?.startedAt ?? new Date(0);
    const ended = story.run?.endedAt ?? new Date();
    // The client's outage is the gap across the run's own outage window (its RTO marks), not any
    // longer stall the loaded machine gave the load generator elsewhere in the run.
    const outage = outageWindow(story.run?.plan as Plan | undefined, story.steps);
    const gap = longestGapWithin(report.writeGaps, (outage?.from ?? started).toISOString(), (outage?.to ?? ended).toISOString());
    const end = story.events.find((e) => e.type === 'run.completed' || e.type === 'run.aborted');
    const endData = (end?.data ?? {}) as { rtoMs?: number | null; rpoMs?: number | null };
    runs.push({
      runbook: run.runbook,
      runId: run.runId,
      state: run.result.state,
      verdict: run.result.verdict,
      rtoMs: story.run?.rtoMs ?? null,
      rpoMs: story.run?.rpoMs ?? null,
      targets: run.targets,
      startedAt: started.toISOString(),
      endedAt: ended.toISOString(),
      clientRtoMs: gap ? gap.ms : null,
      clientGap: gap,
      auditEvents: story.events.length,
      chainIntact: integrity.ok,
      endEvent: end ? { type: end.type, rtoMs: endData.rtoMs ?? null, rpoMs: endData.rpoMs ?? null } : null,
      timeline: story.steps
        .filter((step) => step.startedAt && step.endedAt)
        .sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime())
        .map((step) => ({
          stepId: step.stepId,
          atMs: step.startedAt!.getTime() - started.getTime(),
          durationMs: step.endedAt!.getTime() - step.startedAt!.getTime(),
        })),
    });
  }
  return { runs, load: report, missingAfterFailback, topology: await labStatus(options.lab) };
}
