import { Command } from 'commander';
import { ApiClient, runPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

export function terminateCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('terminate')
      .description('EMERGENCY: stop a run at once, without compensations (admin; audited). Prefer `abort`.')
      .argument('<run-id>', 'the run')
      .requiredOption('-r, --reason <text>', 'why (kept in the audit trail)')
      .option('--json', 'print what was done as JSON'),
  ).action((runId: string, opts: ApiClientOptions & { reason: string; json?: boolean }) =>
    run(async () => {
      await new ApiClient(opts).post(runPath(runId, 'terminate'), { reason: opts.reason });
      printResult(opts, { runId, action: 'terminate', reason: opts.reason }, `terminated ${runId} (no compensation ran)`);
      return EXIT.ok;
    }),
  );
}
