/**
 * A campaign's Temporal Schedule (docs/campaigns.md, "Scheduling"): the same calendar spec and
 * policies as a drill schedule's (src/schedules/spec.ts), and an action that starts
 * `scheduledCampaign` with the campaign pinned — each phase's run with the schedule's grant of it, and
 * the schedule's grant of the whole campaign — and the blackout windows of the campaign's services.
 */
import type { ScheduleOptions } from '@temporalio/client';
import type { LoadedInventory } from '../inventory/load';
import type { DrillSchedule } from '../inventory/schema';
import type { BlackoutWindow } from '../plan/blackout';
import { campaignServices, type CampaignInput } from '../plan/campaign';
import type { ResolveParamsOptions, ParamValue } from '../plan/params';
import { scheduleInitiator, type ScheduledCampaignInput } from '../plan/programme';
import { campaignInput, type LoadedCampaign } from '../runbook/campaign';
import { blackoutsFor, calendarSpec, schedulePolicies, type SpecContext } from './spec';

export interface CampaignScheduleDefinition {
  scheduleId: string;
  campaign: LoadedCampaign;
  /** The campaign's services (its pin's service is the first). */
  services: string[];
  options: ScheduleOptions;
  input: ScheduledCampaignInput;
}

/** `campaign-<name>`: one schedule per campaign, stable across creates (a second create updates it). */
export function campaignScheduleId(name: string): string {
  return `campaign-${name}`;
}

export interface CampaignScheduleOptions {
  schedule: DrillSchedule;
  /** Params for every phase whose runbook takes them (as `campaign run -p`). */
  params: Record<string, ParamValue>;
  reason?: string;
  checkSecretRef?: ResolveParamsOptions['checkSecretRef'];
}

/** The schedule of `campaign`, or why it cannot be scheduled (params, a phase that is no drill). */
export function campaignSchedule(
  inventory: Pick<LoadedInventory, 'blackouts' | 'timezone'>,
  campaign: LoadedCampaign,
  opts: CampaignScheduleOptions,
  ctx: Pick<SpecContext, 'taskQueue' | 'now' | 'signer'>,
): { definition?: CampaignScheduleDefinition; errors: string[] } {
  // Only drills are granted: a real failover or failback is started by a person, through the front door.
  const real = campaign.phases.filter((p) => p.mode !== 'drill').map((p) => `phase "${p.id}" runs in mode ${p.mode}`);
  if (real.length) return { errors: real.map((r) => `${r}: a schedule starts drills only`) };
  const scheduleId = campaignScheduleId(campaign.name);
  const { input, errors } = campaignInput(campaign, {
    params: opts.params,
    initiator: scheduleInitiator(scheduleId),
    reason: opts.reason?.trim() || `scheduled campaign ${campaign.name}`,
    taskQueue: ctx.taskQueue,
    ...(opts.checkSecretRef ? { checkSecretRef: opts.checkSecretRef } : {}),
  });
  if (!input) return { errors };
  const services = campaignServices(input.phases);
  const campaignPinned = grantedCampaign(ctx.signer, scheduleId, input);
  const blackouts = uniqueByName(services.flatMap((s) => blackoutsFor(inventory, s, ctx.now)));
  const scheduled: ScheduledCampaignInput = { scheduleId, campaign: campaignPinned, blackouts };
  const options: ScheduleOptions = {
    scheduleId,
    spec: calendarSpec(opts.schedule, inventory.timezone, `campaign ${campaign.name}`),
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledCampaign',
      // Temporal appends the action time, so each wrapper's id is unique and says when it was due.
      workflowId: `scheduled-${scheduleId}`,
      taskQueue: ctx.taskQueue,
      args: [scheduled],
    },
    policies: schedulePolicies(opts.schedule),
    memo: { campaign: campaign.name, campaignFile: campaign.file, campaignHash: input.campaignHash },
  };
  return { definition: { scheduleId, campaign, services, options, input: scheduled }, errors: [] };
}

/** The campaign with the schedule's grant of each phase's run, then of the whole (phases' grants included). */
function grantedCampaign(signer: SpecContext['signer'], scheduleId: string, input: Omit<CampaignInput, 'auth'>): CampaignInput {
  const phases = input.phases.map((phase) => {
    const { auth: _auth, ...run } = phase.run;
    return { ...phase, run: { ...run, auth: signer.grantSchedule(scheduleId, run.plan.services[0], run) } };
  });
  const unsigned = { ...input, phases };
  return { ...unsigned, auth: signer.grantSchedule(scheduleId, campaignServices(phases)[0], unsigned) };
}

function uniqueByName(windows: BlackoutWindow[]): BlackoutWindow[] {
  const seen = new Set<string>();
  return windows.filter((w) => !seen.has(w.name) && seen.add(w.name));
}
