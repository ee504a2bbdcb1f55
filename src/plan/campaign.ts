/**
 * Campaigns: runbooks run in order as the phases of one `runCampaign` workflow (fail over to DR,
 * verify DR capacity, restore the primary), each phase a child `runDrill` with its pinned plan. The
 * contracts (input, progress, messages) and the verdict, a pure function. Workflow-safe: imports
 * nothing outside src/plan/. Names are a contract kept in history: add, never rename.
 *
 * A campaign is a run of its own in the trail: a `runs` row and a hash chain under the campaign's id
 * (`campaign-<name>-<8 hex>`); its phases are runs with ids `<campaignId>.<phaseId>` (phaseRunId).
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActionAuth, ScheduleGrant } from './action-auth';
import type { AbortRunInput, DecideOnFailureInput, RunResult } from './run-messages';
import { canonicalJson } from './canonical';
import type { Json, Mode, RunInput } from './types';

export { phaseExecutionRunId, phaseRunId } from './signed-actions';

/** What a campaign does when a phase fails (its run aborted, or its verdict is `fail`). */
export const PHASE_ON_FAILURE = ['pause', 'abort'] as const;
export type PhaseOnFailure = (typeof PHASE_ON_FAILURE)[number];

/** The targets a phase is measured against: the inventory's for its services, else its runbook's. */
export interface PhaseTargets {
  rtoMs?: number;
  rpoMs?: number;
  /** Where they come from: `inventory` or `runbook`. */
  source: 'inventory' | 'runbook';
}

export interface CampaignPhase {
  /** Unique in the campaign; a step-like id (no dots): the phase's run id is `<campaignId>.<id>`. */
  id: string;
  title: string;
  /** The runbook file as the campaign names it (relative to the campaign file). */
  runbookFile: string;
  onFailure: PhaseOnFailure;
  /** Steps whose outputs the campaign keeps in its record (e.g. the capacity verification's figures). */
  figures: string[];
  targets: PhaseTargets;
  /** The phase's pinned run; its `auth` is the campaign's grant of this phase (CampaignPhaseGrant). */
  run: RunInput;
}

export interface CampaignInput {
  /**
   * The front door's signature of this start (action `campaign`, for the campaign's workflow id); or,
   * for a campaign a schedule starts (`scheduledCampaign`), the schedule's grant of exactly this input.
   */
  auth?: ActionAuth | ScheduleGrant;
  campaign: { name: string; version: string; description?: string; file: string };
  /** sha256 of the canonical campaign (its phases with their plan hashes, params, modes, rules). */
  campaignHash: string;
  /** The campaign's mode (its `runs` row); each phase runs in its own. */
  mode: Mode;
  phases: CampaignPhase[];
  initiator: string;
  reason: string;
  taskQueue: string;
}

export const PHASE_STATES = ['pending', 'running', 'paused', 'completed', 'failed', 'skipped', 'aborted'] as const;
export type PhaseState = (typeof PHASE_STATES)[number];

/** One phase as the campaign saw it: its latest execution and what it measured. */
export interface PhaseRecord {
  id: string;
  title: string;
  runbook: string;
  planHash: string;
  mode: Mode;
  state: PhaseState;
  /** The run of the latest execution (`<campaignId>.<phaseId>`, then `…-2`, `…-3` after retries). */
  runId?: string;
  /** How many times the phase was started (a `retry` decision starts it again). */
  execution: number;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  runState?: RunResult['state'];
  verdict?: RunResult['verdict'];
  rtoMs?: number;
  rpoMs?: number;
  targets: PhaseTargets;
  /** Measured within the targets (undefined: nothing measured or no target). */
  rtoMet?: boolean;
  rpoMet?: boolean;
  /** The outputs of the phase's `figures` steps. */
  figures?: Record<string, Json>;
  error?: string;
  skipReason?: string;
}

export const CAMPAIGN_STATES = ['running', 'paused', 'aborting', 'completed', 'aborted'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface CampaignProgress {
  campaignId: string;
  campaign: string;
  campaignHash: string;
  state: CampaignState;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  initiator: string;
  phases: PhaseRecord[];
  /** The phase waiting for a decision, if the campaign is paused. */
  awaitingDecision?: { phaseId: string; error: string; since: string };
  verdict?: RunResult['verdict'];
}

export interface CampaignResult {
  state: 'completed' | 'aborted';
  verdict: RunResult['verdict'];
  durationMs: number;
  phases: PhaseRecord[];
}

/** A decision on a failed phase: `stepId` names the phase. Signed as `decide` for the campaign's id. */
export type DecideOnPhaseInput = DecideOnFailureInput;

export const getCampaignProgress = defineQuery<CampaignProgress>('getCampaignProgress');
export const decideOnPhase = defineUpdate<void, [DecideOnPhaseInput]>('decideOnPhase');
/** Signed as `abort` for the campaign's id; the running phase is aborted with the same request. */
export const abortCampaign = defineUpdate<void, [AbortRunInput]>('abortCampaign');
/**
 * The campaign's abort, forwarded to its running phase (a workflow cannot send an Update): the phase
 * run accepts it only when the front door signed it as an `abort` of the run's parent campaign.
 */
export const abortFromCampaign = defineSignal<[AbortRunInput]>('abortFromCampaign');

/** Whether a phase's run failed as a phase: aborted (by its runbook or a person) or verdict `fail`. */
export function phaseFailed(result: Pick<RunResult, 'state' | 'verdict'>): boolean {
  return result.state === 'aborted' || result.verdict === 'fail';
}

/** Whether a measurement is within its target (undefined when either is missing). */
export function withinTarget(measured: number | undefined, target: number | undefined): boolean | undefined {
  return measured === undefined || target === undefined ? undefined : measured <= target;
}

/**
 * The campaign's verdict. Pure:
 * - fail: the campaign was aborted, a phase did not complete (nor was skipped), or a phase's RTO or
 *   RPO missed its target (skipped phases included: what was measured stands);
 * - partial: every phase completed or was skipped, a phase was skipped by a decision or ended `partial`;
 * - pass: every phase completed with verdict `pass` within its targets.
 */
export function campaignVerdict(input: { aborted: boolean; phases: ReadonlyArray<Pick<PhaseRecord, 'state' | 'verdict' | 'rtoMet' | 'rpoMet'>> }): RunResult['verdict'] {
  if (input.aborted) return 'fail';
  if (input.phases.some((p) => p.rtoMet === false || p.rpoMet === false)) return 'fail';
  if (input.phases.some((p) => p.state !== 'completed' && p.state !== 'skipped')) return 'fail';
  if (input.phases.some((p) => p.state === 'skipped' || p.verdict !== 'pass')) return 'partial';
  return 'pass';
}

/**
 * What a campaign's `runs` row pins as its plan, and hashes like a plan (`audit verify` checks the
 * row's plan against its hash): the phases with their plans' hashes, params, modes and rules. It has
 * no steps of its own (`steps: []`): its phases are runs of their own.
 */
export function campaignDocument(input: Pick<CampaignInput, 'campaign' | 'mode' | 'phases'>): Json {
  const { campaign, phases } = input;
  return JSON.parse(
    canonicalJson({
      kind: 'campaign',
      runbook: { name: campaign.name, version: campaign.version, description: campaign.description },
      mode: input.mode,
      phases: phases.map((p) => ({
        id: p.id,
        title: p.title,
        runbook: p.run.plan.runbook.name,
        runbookVersion: p.run.plan.runbook.version,
        runbookFile: p.runbookFile,
        planHash: p.run.planHash,
        mode: p.run.mode,
        params: p.run.params,
        onFailure: p.onFailure,
        figures: p.figures,
        targets: p.targets,
        services: p.run.plan.services,
      })),
      services: campaignServices(phases),
      steps: [],
      source: { file: campaign.file },
    }),
  ) as Json;
}

/** Every service a campaign's phases touch, sorted. */
export function campaignServices(phases: readonly CampaignPhase[]): string[] {
  return [...new Set(phases.flatMap((p) => p.run.plan.services))].sort();
}
