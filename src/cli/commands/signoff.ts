import { Command } from 'commander';
import { ApiClient, runPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { CliError, EXIT } from '../exit-codes';
import { SIGNOFF_ROLES } from '../../findings/tables';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

export function signoffCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('signoff')
      .description('sign an ended run off as drill-owner, business-owner or independent-reviewer (through the drillbook API, audited)')
      .argument('<run-id>', 'the run')
      .requiredOption('--as <role>', SIGNOFF_ROLES.join(', '))
      .option('--comment <text>', 'a comment for the record')
      .option('--json', 'print what was done as JSON'),
  ).action((runId: string, opts: ApiClientOptions & { as: string; comment?: string; json?: boolean }) =>
    run(async () => {
      if (!(SIGNOFF_ROLES as readonly string[]).includes(opts.as)) throw new CliError(`--as: "${opts.as}" is not one of ${SIGNOFF_ROLES.join(', ')}`, EXIT.usage);
      await new ApiClient(opts).post(runPath(runId, 'signoff'), { role: opts.as, ...(opts.comment ? { comment: opts.comment } : {}) });
      printResult(opts, { runId, action: 'signoff', role: opts.as }, `signed off ${runId} as ${opts.as}`);
      return EXIT.ok;
    }),
  );
}
