import { Command } from 'commander';
import { ApiClient, runPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

export function abortCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('abort')
      .description('abort a run: cancel what runs, then compensate completed steps in reverse order (through the drillbook API)')
      .argument('<run-id>', 'the run')
      .requiredOption('-r, --reason <text>', 'why (kept in the audit trail)')
      .option('--json', 'print what was requested as JSON'),
  ).action((runId: string, opts: ApiClientOptions & { reason: string; json?: boolean }) =>
    run(async () => {
      await new ApiClient(opts).post(runPath(runId, 'abort'), { reason: opts.reason });
      printResult(opts, { runId, action: 'abort', reason: opts.reason }, `abort requested for ${runId}; compensations follow (drillbook watch ${runId})`);
      return EXIT.ok;
    }),
  );
}
