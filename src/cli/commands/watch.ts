import { Command } from 'commander';
import { ApiClient, withApiOptions, type ApiClientOptions } from '../api-client';
import { followRunViaApi, terminalView } from '../api-runs';
import { campaignViaApi, followCampaignViaApi } from '../api-campaigns';
import { exitCodeOfRun } from '../exit-codes';
import { parsePositiveInt } from '../options';
import { printJson } from '../output';
import type { CommandResult } from '../run-command';

/** Redraw every second: a person reads it, and each redraw is one query to the workflow. */
const DEFAULT_INTERVAL_MS = 1000;

export function watchCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('watch')
      .description('a live view of a run (or of a campaign: its phases and the running phase\'s steps): what runs, what waits for whom, instructions, elapsed vs RTO budget, and the command to act')
      .argument('<run-id>', 'the run, or a campaign')
      .option('--once', 'print one view and exit (exit 9 while the run has not ended)')
      .option('--interval <ms>', 'refresh interval', parsePositiveInt)
      .option('--json', 'no live view: print the run\'s outcome as JSON once it ended (with --once: at once)'),
  ).action((runId: string, opts: ApiClientOptions & { once?: boolean; interval?: number; json?: boolean }) =>
    run(async () => {
      const api = new ApiClient(opts);
      const show = opts.json ? undefined : terminalView();
      const intervalMs = opts.interval ?? DEFAULT_INTERVAL_MS;
      // A campaign's id: its phases, and the steps of the one that runs.
      const campaign = await campaignViaApi(api, runId);
      if (campaign) {
        const { answer, ended } = await followCampaignViaApi(api, campaign, { show, intervalMs, once: opts.once });
        if (opts.json) printJson({ ...answer, ended });
        return exitCodeOfRun({ ended, verdict: answer.campaign.verdict });
      }
      const { outcome, ended } = await followRunViaApi(api, runId, { show, intervalMs, once: opts.once });
      if (opts.json) printJson({ ...outcome, ended });
      // The rule of `run` and `status`: by the verdict once ended, 9 while it goes on.
      return exitCodeOfRun({ ended, verdict: outcome.verdict });
    }),
  );
}
