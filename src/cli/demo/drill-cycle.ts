/**
 * The DR drill cycle on the lab, as the demo runs it and the end-to-end test checks it: lab up (reset
 * to its initial topology) → load generator on, site A's peak measured under it → the semiannual
 * campaign (runbooks/campaigns/semiannual.yaml: failover-to-dr, verify-dr-capacity against that peak,
 * restore-primary) → load off → per phase, what the customer saw next to what drillbook measured.
 *
 * The campaign is started through the operators' API like anyone's (`drillbook campaign run`'s path:
 * the API's token names the initiator, the front door signs it) on the API's task queue, workers
 * already started by the caller, and followed through the API. Its runbooks talk to the lab only
 * through their params: the sites' infra API URLs and PostgreSQL URLs (straight to a site, or through
 * the traffic switch). A single runbook runs the same way with `runLabRunbook`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { infraApiUrl, siteConnectionString, switchConnectionString, type LabConfig } from '../../../lab/config';
import { labReset } from '../../../lab/failback';
import { getCapacity, setCapacity } from '../../../lab/infra-client';
import { labStatus, labUp, type LabStatus } from '../../../lab/lab';
import { findMissingSeqs, startLoad, type LoadReport, type WriteGap } from '../../../lab/load-generator';
import type { RunResult } from '../../plan/run-messages';
import type { runDrill } from '../../../workflows/run-drill/run-drill';
import { adapterRegistry } from '../../../activities/adapters/index';
import type { ApiClient } from '../api-client';
import { startRunViaApi } from '../api-runs';
import { campaignViaApi, followCampaignViaApi, startCampaignViaApi } from '../api-campaigns';
import type { Db } from '../../audit/database';
import { getRunStory } from '../../audit/run-story';
import type { StepResult } from '../../audit/step-results';
import { verifyAuditChain } from '../../audit/verify-chain';
import { projectRoot } from '../../config/paths';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { loadRunbookText } from '../../runbook/load';
import { loadCampaignFile } from '../../runbook/campaign-file';
import type { PhaseRecord } from '../../plan/campaign';
import { capacityFromFigures, type CapacityFigures } from '../../reports/capacity-figures';
import type { CampaignStatus } from '../../temporal/campaign-status';
import { resolveParams } from '../../plan/params';
import type { Mark, Mode, Plan } from '../../plan/types';

export const RUNBOOKS_DIR = path.join(projectRoot, 'runbooks');
/** The campaign the demo runs: fail over to DR, verify DR capacity, restore the primary. */
export const CYCLE_CAMPAIGN = path.join(RUNBOOKS_DIR, 'campaigns', 'semiannual.yaml');
/** How often the cycle reads the campaign's progress through the API (and redraws its live view). */
const FOLLOW_INTERVAL_MS = 500;

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
  /** The campaign's phase this run executed (its latest execution). */
  phase: string;
  runbook: string;
  runId: string;
  state: string;
  verdict: string | null;
  /** How long the phase took, as the campaign recorded it. */
  durationMs: number | null;
  /** Measured by drillbook from the marked steps, as written to the audit trail (runs row). */
  rtoMs: number | null;
  rpoMs: number | null;
  /** The targets the campaign measured the phase against, and where they come from (inventory, or the runbook). */
  targets: { rtoMs?: number; rpoMs?: number };
  targetsFrom: string;
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

export interface CycleCampaign {
  campaignId: string;
  name: string;
  state: string;
  verdict: string | null;
  durationMs: number | null;
  /** The campaign's own chain (its start, phases, end) and whether it verifies. */
  auditEvents: number;
  chainIntact: boolean;
}

export interface CycleReport {
  campaign: CycleCampaign;
  /** One per phase that ran (its latest execution), in the campaign's order. */
  runs: CycleRunOutcome[];
  /** Site A's peak connections under the load generator (the traffic switch's count), given to its inventory API as its peak. */
  primaryPeakConnections: number;
  /** What the capacity phase measured: the DR site's capacity against that peak. */
  capacity: CapacityFigures | null;
  load: LoadReport;
  /** Writes the load generator saw acknowledged that are missing from site A after the failback. */
  missingAfterFailback: number[];
  topology: LabStatus;
}

export interface CycleOptions {
  /** The operators' API and the token the campaign is started with (src/cli/demo/demo-identity.ts for the demo). */
  api: ApiClient;
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
  /** Told the campaign's id as soon as it started. */
  onStarted?: (campaignId: string) => void | Promise<void>;
  /** Shown each screen of the campaign's live view (`drillbook watch`'s) while it runs. */
  show?: (text: string, key: string) => void;
}

/** From the start of the `rto.start` step to the end of the `rto.end` step, when both ran. */
function outageWindow(plan: Plan | undefined, steps: StepResult[]): { from: Date; to: Date } | undefined {
  const marked = (mark: Mark) => plan?.steps.find((s) => s.marks.includes(mark))?.id;
  const result = (id: string | undefined) => steps.find((s) => s.stepId === id && s.status === 'completed');
  const from = result(marked('rto.start'))?.startedAt;
  const to = result(marked('rto.end'))?.endedAt;
  return from && to ? { from, to } : undefined;
}

/** The longest gap that overlaps [from, to]. */
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

/**
 * Site A's peak connections while the load generator writes through the switch for `ms`: the highest
 * count its inventory API reports (the switch's live sessions to it), sampled every 50 ms.
 */
async function measurePeakConnections(lab: LabConfig, ms: number): Promise<number> {
  let peak = 0;
  const until = Date.now() + ms;
  do {
    peak = Math.max(peak, (await getCapacity(lab, 'site-a')).usedConnections);
    await sleep(50);
  } while (Date.now() < until);
  return peak;
}

/** Starts the semiannual campaign through the API and follows it to its end. */
async function runCycleCampaign(options: CycleOptions): Promise<CampaignStatus> {
  const { campaign, diagnostics } = await loadCampaignFile(CYCLE_CAMPAIGN, { registry: adapterRegistry });
  if (!campaign) throw new Error(diagnostics.map(formatDiagnostic).join('\n'));
  const offered = labRunbookParams(options.lab, options.webhook);
  const taken = new Set(campaign.phases.flatMap((p) => p.plan.params.map((x) => x.name)));
  const params = Object.fromEntries(Object.entries(offered).filter(([name]) => taken.has(name)));
  const started = await startCampaignViaApi(options.api, { file: CYCLE_CAMPAIGN, campaign, params, reason: options.reason });
  await options.onStarted?.(started.campaignId);
  const first = await campaignViaApi(options.api, started.campaignId);
  if (!first) throw new Error(`campaign ${started.campaignId}: the API does not know it`);
  const { answer } = await followCampaignViaApi(options.api, first, { show: options.show, intervalMs: FOLLOW_INTERVAL_MS });
  return answer;
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
  const inventoryA = await getCapacity(options.lab, 'site-a');
  let report: LoadReport;
  let answer: CampaignStatus;
  let primaryPeakConnections: number;
  try {
    // The primary's peak, as the load generator drives it: what the DR site must carry (verify-capacity).
    primaryPeakConnections = Math.max(1, await measurePeakConnections(options.lab, settleMs));
    await setCapacity(options.lab, 'site-a', { peakConnections: primaryPeakConnections });
    log(`site A's peak under the load generator: ${primaryPeakConnections} connection(s) (set as its peak in its inventory API)`);
    log(`campaign ${path.relative(projectRoot, CYCLE_CAMPAIGN)} (drill) starting`);
    answer = await runCycleCampaign(options);
    log(`campaign ${answer.campaign.campaignId}: ${answer.campaign.state}, verdict ${answer.campaign.verdict}`);
    await sleep(settleMs);
  } finally {
    report = await load.stop();
    await setCapacity(options.lab, 'site-a', { peakConnections: inventoryA.peakConnections }).catch(() => undefined);
  }
  log(`load generator off: ${report.committed} transfers acknowledged, ${report.failedNoAnswer} without answer, ${report.rejected} refused`);

  const all = report.committedSeqs;
  const missingAfterFailback = await findMissingSeqs(siteConnectionString(options.lab, 'site-a'), all);
  const runs: CycleRunOutcome[] = [];
  for (const phase of answer.campaign.phases) {
    if (!phase.runId) continue;
    runs.push(await runOutcome(options.db, phase, report));
  }
  const campaignId = answer.campaign.campaignId;
  const campaignStory = await getRunStory(options.db, campaignId);
  const campaignChain = await verifyAuditChain(options.db, { chainId: campaignId });
  return {
    campaign: {
      campaignId,
      name: answer.campaign.campaign,
      state: answer.campaign.state,
      verdict: answer.campaign.verdict,
      durationMs: answer.campaign.durationMs,
      auditEvents: campaignStory.events.length,
      chainIntact: campaignChain.ok,
    },
    runs,
    primaryPeakConnections,
    capacity: answer.campaign.phases.map((p) => capacityFromFigures(p.figures)).find((c) => c !== null) ?? null,
    load: report,
    missingAfterFailback,
    topology: await labStatus(options.lab),
  };
}

/** A phase's run from the trail, next to what the load generator saw during it. */
async function runOutcome(db: Db, phase: PhaseRecord, load: LoadReport): Promise<CycleRunOutcome> {
  const runId = phase.runId!;
  const story = await getRunStory(db, runId);
  const integrity = await verifyAuditChain(db, { chainId: runId });
  const started = story.run?.startedAt ?? new Date(0);
  const ended = story.run?.endedAt ?? new Date();
  // The client's outage is the gap across the run's own outage window (its RTO marks), not any
  // longer stall the loaded machine gave the load generator elsewhere in the run.
  const outage = outageWindow(story.run?.plan as Plan | undefined, story.steps);
  const gap = longestGapWithin(load.writeGaps, (outage?.from ?? started).toISOString(), (outage?.to ?? ended).toISOString());
  const end = story.events.find((e) => e.type === 'run.completed' || e.type === 'run.aborted');
  const endData = (end?.data ?? {}) as { rtoMs?: number | null; rpoMs?: number | null };
  const { source, ...targets } = phase.targets;
  return {
    phase: phase.id,
    runbook: phase.runbook,
    runId,
    state: phase.runState ?? phase.state,
    verdict: phase.verdict ?? null,
    durationMs: phase.durationMs ?? null,
    rtoMs: story.run?.rtoMs ?? null,
    rpoMs: story.run?.rpoMs ?? null,
    targets,
    targetsFrom: source,
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
  };
}
