import { Command } from 'commander';
import { WorkflowNotFoundError } from '@temporalio/client';
import { getProgress } from '../../../workflows/messages';
import { getRunStory } from '../../audit/run-story';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';
import { renderProgress } from '../render-progress';

export function statusCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('status')
    .description("a run's progress: live from Temporal, or from the audit trail once Temporal has forgotten it")
    .argument('<run-id>', 'the run (workflow) ID')
    .option('--json', 'print as JSON')
    .action((runId: string, opts: { json?: boolean }) =>
      run(async () => {
        try {
          const client = await ctx.temporal();
          const progress = await client.workflow.getHandle(runId).query(getProgress);
          process.stdout.write(opts.json ? `${JSON.stringify(progress, null, 2)}\n` : `${renderProgress(progress)}\n`);
          return EXIT.ok;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError) && !(err instanceof CliError)) throw err;
        }
        const story = await getRunStory(await ctx.db(), runId);
        if (!story.run && !story.events.length) throw new CliError(`no run ${runId} in Temporal or in the audit trail`, EXIT.notFound);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(story, null, 2)}\n`);
        } else {
          const r = story.run;
          if (!r) throw new CliError(`run ${runId} has audit events but no run record`, EXIT.notFound);
          process.stdout.write(`run ${r.runId} — ${r.runbookName} (${r.mode}) — ${r.status}${r.verdict ? `, verdict ${r.verdict}` : ''} (from the audit trail)\n`);
          for (const s of story.steps) process.stdout.write(`  ${s.stepId.padEnd(24)} ${s.status}\n`);
        }
        return EXIT.ok;
      }),
    );
}
