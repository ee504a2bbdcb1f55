/**
 * `drillbook campaign validate|run|status|decide|abort` (docs/campaigns.md): a campaign's file checked offline
 * (every problem at file:line:col, its phases' runbooks included), started through the API with the
 * texts of its phases' runbooks, followed through the API. Exit codes as `run`'s: by the verdict.
 */
import { Command } from 'commander';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadInventoryTargets } from '../../inventory/load';
import { inventoryFileFor } from '../../inventory/validate-objectives';
import { campaignInput, type CampaignLoadResult } from '../../runbook/campaign';
import { loadCampaignFile } from '../../runbook/campaign-file';
import type { CampaignStatus } from '../../temporal/campaign-status';
import { formatDiagnostic } from '../../runbook/diagnostics';
import { configuredSecretRefCheck } from '../../config/secret-scope';
import { ApiClient, withApiOptions, type ApiClientOptions } from '../api-client';
import { CliError, EXIT, exitCodeOfRun, type ExitCode } from '../exit-codes';
import { collectParam, OVERRIDE_READINESS_HELP, readinessOverrideOption } from '../options';
import type { CommandResult } from '../run-command';
import { renderCampaign } from '../render-campaign';
import { campaignEnded, startCampaignViaApi } from '../api-campaigns';

type Run = (fn: () => Promise<CommandResult>) => Promise<void>;

/** What GET /api/campaigns/:id answers (src/api/routes/campaigns.ts). */
type CampaignAnswer = CampaignStatus;

export function campaignCommand(run: Run): Command {
  const cmd = new Command('campaign').description('campaigns: runbooks run in order as the phases of one record (docs/campaigns.md)');
  cmd.addCommand(
    new Command('validate')
      .description('check campaign files and their phases\' runbooks; every problem is printed as file:line:col')
      .argument('<files...>', 'campaign YAML files')
      .option('--json', 'print the diagnostics as JSON')
      .option('--inventory <file>', 'measure phases against this inventory\'s targets (default: inventory/services.yaml when present)')
      .action((files: string[], opts: { json?: boolean; inventory?: string }) =>
        run(async () => {
          const results = [];
          for (const file of files) results.push({ file, ...(await load(file, opts.inventory)) });
          const errors = results.flatMap((r) => r.diagnostics).filter((d) => d.severity === 'error').length;
          if (opts.json) {
            const out = results.map((r) => ({
              file: r.file,
              valid: !!r.campaign,
              phases: r.campaign?.phases.map((p) => ({ id: p.id, runbook: p.plan.runbook.name, planHash: p.planHash, mode: p.mode, onFailure: p.onFailure, targets: p.targets })) ?? null,
              diagnostics: r.diagnostics,
            }));
            process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
          } else {
            for (const r of results) {
              for (const d of r.diagnostics) process.stdout.write(`${formatDiagnostic(d)}\n`);
              if (r.campaign) process.stdout.write(`${r.file}: valid (${r.campaign.phases.map((p) => `${p.id}: ${p.plan.runbook.name}`).join(' → ')})\n`);
            }
          }
          return errors ? EXIT.invalid : EXIT.ok;
        }),
      ),
  );
  cmd.addCommand(
    withApiOptions(
      new Command('run')
        .description('start a campaign through the drillbook API (you, the token\'s user, are its initiator)')
        .argument('<file>', 'campaign YAML file')
        .option('-p, --param <name=value>', 'a parameter for every phase whose runbook takes it (repeatable)', collectParam)
        .option('-r, --reason <text>', 'why this campaign runs (kept in the audit trail)')
        .option('--override-readiness <reason>', OVERRIDE_READINESS_HELP)
        .option('--wait', 'wait for the campaign to end')
        .option('--json', 'print the campaign (and its result) as JSON'),
    ).action((file: string, opts: ApiClientOptions & { param?: Record<string, string>; reason?: string; overrideReadiness?: string; wait?: boolean; json?: boolean }) =>
      run(async () => {
        if (!opts.reason?.trim()) throw new CliError('--reason is required: every campaign says why it happens', EXIT.usage);
        const override = readinessOverrideOption(opts.overrideReadiness);
        // Checked here first, so a broken campaign, runbook or param is named before anything is sent.
        const { campaign, diagnostics } = await load(file, undefined);
        for (const d of diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
        if (!campaign) throw new CliError(`${file}: the campaign has errors; nothing was started`, EXIT.invalid);
        const { errors } = campaignInput(campaign, { params: opts.param ?? {}, initiator: '-', reason: opts.reason, taskQueue: '-', checkSecretRef: configuredSecretRefCheck() });
        if (errors.length) throw new CliError(errors.map((e) => `--param: ${e}`).join('\n'), EXIT.usage);
        const api = new ApiClient(opts);
        const started = await startCampaignViaApi(api, { file, campaign, params: opts.param ?? {}, reason: opts.reason, ...override });
        if (!opts.wait) {
          process.stdout.write(opts.json ? `${JSON.stringify(started)}\n` : `started ${started.campaignId} (${started.phases.join(' → ')})\n`);
          return EXIT.ok;
        }
        if (!opts.json) process.stdout.write(`started ${started.campaignId} (${started.phases.join(' → ')})\n`);
        let answer: CampaignAnswer;
        for (;;) {
          answer = await api.get<CampaignAnswer>(`/api/campaigns/${encodeURIComponent(started.campaignId)}`);
          if (campaignEnded(answer.campaign.state)) break;
          await new Promise((r) => setTimeout(r, 1000));
        }
        return reportCampaign(answer, opts.json);
      }),
    ),
  );
  cmd.addCommand(
    withApiOptions(
      new Command('status')
        .description("a campaign's phases, durations, RTO/RPO against the targets and verdict; exit 0 pass, 3 partial or fail, 9 not ended")
        .argument('<campaign-id>', 'the campaign id')
        .option('--json', 'print the campaign as JSON'),
    ).action((id: string, opts: ApiClientOptions & { json?: boolean }) =>
      run(async () => reportCampaign(await new ApiClient(opts).get<CampaignAnswer>(`/api/campaigns/${encodeURIComponent(id)}`), opts.json)),
    ),
  );
  cmd.addCommand(
    withApiOptions(
      new Command('decide')
        .description("decide on a campaign's failed phase: retry, skip (with --reason) or abort")
        .argument('<campaign-id>', 'the campaign id')
        .argument('<phase>', 'the phase waiting for a decision')
        .argument('<decision>', 'retry, skip or abort')
        .option('-r, --reason <text>', 'why (required for skip)')
        .option('--json', 'print the answer as JSON'),
    ).action((id: string, phase: string, decision: string, opts: ApiClientOptions & { reason?: string; json?: boolean }) =>
      run(async () => {
        const answer = await new ApiClient(opts).post(`/api/campaigns/${encodeURIComponent(id)}/phases/${encodeURIComponent(phase)}/decide`, { decision, ...(opts.reason ? { reason: opts.reason } : {}) });
        process.stdout.write(opts.json ? `${JSON.stringify(answer)}\n` : `${decision} on phase ${phase} of ${id}: accepted\n`);
        return EXIT.ok;
      }),
    ),
  );
  cmd.addCommand(
    withApiOptions(
      new Command('abort')
        .description('abort a campaign: its running phase is aborted (its compensations run), no later phase starts')
        .argument('<campaign-id>', 'the campaign id')
        .requiredOption('-r, --reason <text>', 'why')
        .option('--json', 'print the answer as JSON'),
    ).action((id: string, opts: ApiClientOptions & { reason: string; json?: boolean }) =>
      run(async () => {
        const answer = await new ApiClient(opts).post(`/api/campaigns/${encodeURIComponent(id)}/abort`, { reason: opts.reason });
        process.stdout.write(opts.json ? `${JSON.stringify(answer)}\n` : `abort of ${id}: accepted\n`);
        return EXIT.ok;
      }),
    ),
  );
  return cmd;
}

function load(file: string, inventoryOption: string | undefined): Promise<CampaignLoadResult> {
  const inventoryFile = inventoryFileFor(inventoryOption);
  const inventory = inventoryFile ? loadInventoryTargets(inventoryFile) : undefined;
  return loadCampaignFile(file, { registry: adapterRegistry, ...(inventory ? { inventory } : {}) });
}

/** Prints the campaign (text or JSON) and answers its exit code by the verdict (`campaign status`, `status`). */
export function reportCampaign(answer: CampaignAnswer, json: boolean | undefined): ExitCode {
  const c = answer.campaign;
  const ended = campaignEnded(c.state);
  if (json) process.stdout.write(`${JSON.stringify(answer, null, 2)}\n`);
  else process.stdout.write(renderCampaign(answer));
  return exitCodeOfRun({ ended, verdict: c.verdict });
}
