import { Command } from 'commander';
import { ApiClient, stepPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import { collectParam } from '../options';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

export function confirmCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('confirm')
      .description('confirm a manual step, with the evidence it requires (through the drillbook API)')
      .argument('<run-id>', 'the run')
      .argument('<step-id>', 'the manual step')
      .option('-e, --evidence <name=value>', 'an evidence field (repeatable), e.g. ticketUrl=https://…', collectParam)
      .option('--note <text>', 'a note for the trail')
      .option('--json', 'print what was done as JSON'),
  ).action((runId: string, stepId: string, opts: ApiClientOptions & { evidence?: Record<string, string>; note?: string; json?: boolean }) =>
    run(async () => {
      await new ApiClient(opts).post(stepPath(runId, stepId, 'confirm'), { evidence: opts.evidence ?? {}, ...(opts.note ? { note: opts.note } : {}) });
      printResult(opts, { runId, stepId, action: 'confirm' }, `confirmed ${stepId} of ${runId}`);
      return EXIT.ok;
    }),
  );
}
