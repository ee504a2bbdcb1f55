import { Command } from 'commander';
import { ApiClient, runPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import type { CommandResult } from '../run-command';

export function abortCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('abort')
      .description('abort a run: cancel what runs, then compensate completed steps in reverse order (through the drillbook API)')
      .argument('<run-id>', 'the run')
      .requiredOption('-r, --reason <text>', 'why (kept in the audit trail)'),
  ).action((runId: string, opts: ApiClientOptions & { reason: string }) =>
    run(async () => {
      await new ApiClient(opts).post(runPath(runId, 'abort'), { reason: opts.reason });
      process.stdout.write(`abort requested for ${runId}; compensations follow (drillbook watch ${runId})\n`);
      return EXIT.ok;
    }),
  );
}
