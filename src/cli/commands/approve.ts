import { Command } from 'commander';
import { ApiClient, stepPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

export function approveCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('approve')
      .description('approve an approval step (four-eyes: never the run\'s initiator; through the drillbook API)')
      .argument('<run-id>', 'the run')
      .argument('<step-id>', 'the approval step')
      .option('--comment <text>', 'a comment for the trail')
      .option('--json', 'print what was done as JSON'),
  ).action((runId: string, stepId: string, opts: ApiClientOptions & { comment?: string; json?: boolean }) =>
    run(async () => {
      await new ApiClient(opts).post(stepPath(runId, stepId, 'approve'), opts.comment ? { comment: opts.comment } : {});
      printResult(opts, { runId, stepId, action: 'approve' }, `approved ${stepId} of ${runId}`);
      return EXIT.ok;
    }),
  );
}
