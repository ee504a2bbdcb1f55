import { Command } from 'commander';
import { QueryNotRegisteredError, WorkflowNotFoundError } from '@temporalio/client';
import { getProgress } from '../../plan/run-messages';
import type { runDrill } from '../../../workflows/run-drill/run-drill';
import { getRunStory } from '../../audit/run-story';
import { CliError, EXIT, endedByTrailStatus, exitCodeOfRun } from '../exit-codes';
import type { CliContext } from '../context';
import { printJson } from '../output';
import type { CommandResult } from '../run-command';
import { renderProgress } from '../render-progress';
import { progressFromTrail } from '../trail-progress';
import { campaignStatus } from '../../temporal/campaign-status';
import { reportCampaign } from './campaign';

export function statusCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  const campaign = async (id: string, json: boolean | undefined) => {
    const answer = await campaignStatus(await ctx.db(), await ctx.temporal(), id);
    if (!answer) throw new CliError(`no campaign ${id}`, EXIT.notFound);
    return reportCampaign(answer, json);
  };
  return new Command('status')
    .description("a run's progress (a campaign's as `campaign status` shows it): live from Temporal, or from the audit trail once Temporal has forgotten it; exits by the verdict (9 while it runs)")
    .argument('<run-id>', 'the run (workflow) ID')
    .option('--json', 'print as JSON')
    .action((runId: string, opts: { json?: boolean }) =>
      run(async () => {
        try {
          const client = await ctx.temporal();
          const handle = client.workflow.getHandle<typeof runDrill>(runId);
          const progress = await handle.query(getProgress);
          process.stdout.write(opts.json ? `${JSON.stringify(progress, null, 2)}\n` : `${renderProgress(progress)}\n`);
          if (!progress.endedAt) return exitCodeOfRun({ ended: false, verdict: null });
          // Ended: the workflow's result carries its verdict (none when the workflow itself failed or was terminated).
          const verdict = await handle.result().then((r) => r.verdict, () => null);
          return exitCodeOfRun({ ended: true, verdict });
        } catch (err) {
          // A campaign answers no run query: shown as `campaign status` shows it.
          if (err instanceof QueryNotRegisteredError) return campaign(runId, opts.json);
          if (!(err instanceof WorkflowNotFoundError) && !(err instanceof CliError)) throw err;
        }
        const story = await getRunStory(await ctx.db(), runId);
        // Temporal forgot it: a campaign is known by its row's plan.
        if ((story.run?.plan as { kind?: string } | undefined)?.kind === 'campaign') return campaign(runId, opts.json);
        if (!story.run && !story.events.length) throw new CliError(`no run ${runId} in Temporal or in the audit trail`, EXIT.notFound);
        const r = story.run;
        if (opts.json) {
          printJson(story);
        } else {
          if (!r) throw new CliError(`run ${runId} has audit events but no run record`, EXIT.notFound);
          process.stdout.write(`${renderProgress(progressFromTrail(r, story.events))}\n  (from the audit trail${r.verdict ? `; verdict ${r.verdict}` : ''})\n`);
        }
        if (!r) return EXIT.notFound;
        return exitCodeOfRun({ ended: endedByTrailStatus(r.status), verdict: r.verdict });
      }),
    );
}
