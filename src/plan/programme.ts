/**
 * The contract between a drill schedule's action and the `scheduledDrill` workflow (and a campaign
 * schedule's and `scheduledCampaign`). Kept in Temporal's history and in each schedule's pinned
 * arguments: add fields, never rename.
 */
import type { CampaignInput } from './campaign';
import type { RunInput } from './types';
import type { ScheduleGrant } from './action-auth';
import type { BlackoutWindow } from './blackout';

export interface RunThresholds {
  /** The service's RTO target (the inventory's), the budget the run is measured against. */
  rtoBudgetMs: number;
  /** Notify once elapsed time passes this share of the budget (0 < share ≤ 1). */
  rtoShare: number;
  /** Per step id: notify when a step has run longer than this. */
  expectedDurationsMs: Record<string, number>;
  /** The run's owner and where they are reached. */
  owner: string;
  webhook?: string;
  /** How often the watcher looks (ms). */
  pollMs: number;
}

export interface ScheduledDrillInput {
  /** The Temporal Schedule that starts this; the run's initiator is `schedule:<scheduleId>`. */
  scheduleId: string;
  service: string;
  /** The run, pinned at schedule creation (plan + hash); `initiator` is set by the workflow. */
  run: Omit<RunInput, 'initiator'>;
  /** Blackout windows pinned at schedule creation. */
  blackouts: BlackoutWindow[];
  /** Threshold alerts while the run goes on; absent = none. */
  thresholds?: RunThresholds;
  /** Task queue of the programme activities (threshold watcher). */
  programmeTaskQueue?: string;
  /**
   * The front door's grant for exactly `run` (signed when the schedule was created or synced): the
   * run verifies it, as it verifies a person's signed start. Without it the run does not begin.
   */
  grant?: ScheduleGrant;
}

export interface ScheduledDrillResult {
  runId: string;
  deferredUntil?: string;
  state: string;
  verdict: string;
}

/** What a campaign schedule's action starts (`scheduledCampaign`). */
export interface ScheduledCampaignInput {
  /** The Temporal Schedule that starts this; the campaign's initiator is `schedule:<scheduleId>`. */
  scheduleId: string;
  /**
   * The campaign, pinned when the schedule was created: initiator `schedule:<scheduleId>`, each
   * phase's run with the schedule's grant of it, and the schedule's grant of the whole in `auth`.
   */
  campaign: CampaignInput;
  /** Blackout windows pinned at schedule creation (those of the campaign's services). */
  blackouts: BlackoutWindow[];
}

export interface ScheduledCampaignResult {
  campaignId: string;
  deferredUntil?: string;
  state: string;
  verdict: string;
}

export function scheduleInitiator(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}
