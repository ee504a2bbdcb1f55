/**
 * `drillbook schedule create <inventory> --campaign <file> --months … --day …` (docs/campaigns.md,
 * "Scheduling"): a campaign scheduled like a runbook. The campaign and each phase's runbook are
 * validated first (every problem at file:line:col; nothing is created on an error), its phases
 * measured against the inventory's targets; the schedule's calendar takes the flags an inventory's
 * `schedule:` takes (checked by the same schema), its blackout windows are the inventory's for the
 * campaign's services.
 */
import os from 'node:os';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadInventoryTargets } from '../../inventory/load';
import { DrillScheduleSchema, type DrillSchedule } from '../../inventory/schema';
import { describeBlackout } from '../../plan/blackout';
import { configuredSecretRefCheck } from '../../config/secret-scope';
import { loadCampaignFile } from '../../runbook/campaign-file';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { campaignSchedule } from '../../schedules/campaign-spec';
import { recordCampaignSchedulePin, upsertSchedule } from '../../schedules/manage';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { printJson } from '../output';
import { loadInventoryForCommand } from './inventory';

/** The calendar flags of `schedule create --campaign`, as commander gives them. */
export interface CampaignScheduleFlags {
  campaign: string;
  months?: string;
  day?: string;
  at?: string;
  timezone?: string;
  jitter?: string;
  catchupWindow?: string;
  pauseOnFailure: boolean;
  param?: Record<string, string>;
  reason?: string;
  actor?: string;
  json?: boolean;
}

const FLAG_OF: Record<string, string> = { months: '--months', day: '--day', at: '--at', timezone: '--timezone', jitter: '--jitter', catchupWindow: '--catchup-window' };

/** The flags as an inventory's `schedule:` (same schema, same defaults); a bad one is a usage error naming it. */
export function scheduleFromFlags(flags: CampaignScheduleFlags): DrillSchedule {
  if (!flags.months || !flags.day) throw new CliError('--months and --day are required with --campaign (e.g. --months JANUARY,JULY --day 15)', EXIT.usage);
  const parsed = DrillScheduleSchema.safeParse({
    months: flags.months.split(',').map((m) => m.trim().toUpperCase()),
    day: /^\d+$/.test(flags.day) ? Number(flags.day) : flags.day,
    ...(flags.at !== undefined ? { at: flags.at } : {}),
    ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
    ...(flags.jitter !== undefined ? { jitter: flags.jitter } : {}),
    ...(flags.catchupWindow !== undefined ? { catchupWindow: flags.catchupWindow } : {}),
    pauseOnFailure: flags.pauseOnFailure,
  });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${FLAG_OF[String(i.path[0])] ?? String(i.path[0])}: ${i.message}`);
    throw new CliError(lines.join('\n'), EXIT.usage);
  }
  return parsed.data;
}

export async function createCampaignSchedule(ctx: CliContext, inventoryFile: string, flags: CampaignScheduleFlags & { service?: string }): Promise<void> {
  if (flags.service !== undefined) throw new CliError('--service picks the inventory\'s drill schedules; it does not go with --campaign', EXIT.usage);
  const schedule = scheduleFromFlags(flags);
  const inventory = loadInventoryForCommand(inventoryFile);
  const targets = loadInventoryTargets(inventoryFile);
  const { campaign, diagnostics } = await loadCampaignFile(flags.campaign, { registry: adapterRegistry, ...(targets ? { inventory: targets } : {}) });
  for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
  if (!campaign) throw new CliError(`${flags.campaign}: the campaign has errors; no schedule was created`, EXIT.invalid);
  const queue = ctx.config.DRILLBOOK_TASK_QUEUE;
  // The schedule carries the front door's grants: this command reads DRILLBOOK_SIGNING_KEY.
  const signer = await ctx.signer();
  const { definition, errors } = campaignSchedule(
    inventory,
    campaign,
    { schedule, params: flags.param ?? {}, reason: flags.reason, checkSecretRef: configuredSecretRefCheck() },
    { taskQueue: queue, now: new Date(), signer },
  );
  if (!definition) throw new CliError(errors.map((e) => `${flags.campaign}: ${e}`).join('\n'), EXIT.usage);
  const action = await upsertSchedule(await ctx.temporal(), definition.options);
  await recordCampaignSchedulePin(await ctx.db(), definition, flags.actor ?? os.userInfo().username);
  const { campaign: pinned } = definition.input;
  const blackouts = definition.input.blackouts.map(describeBlackout);
  const done = { scheduleId: definition.scheduleId, action, campaign: pinned.campaign.name, version: pinned.campaign.version, campaignHash: pinned.campaignHash, phases: pinned.phases.map((p) => p.id), blackouts };
  if (flags.json) {
    printJson([done]);
    return;
  }
  process.stdout.write(`${action} ${done.scheduleId} (campaign ${done.campaign} ${done.version}, ${done.phases.join(' → ')}, hash ${done.campaignHash.slice(0, 12)})\n`);
  for (const b of blackouts) process.stdout.write(`  blackout ${b}\n`);
}
