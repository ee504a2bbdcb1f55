import { Command, InvalidArgumentError } from 'commander';
import { ApiClient, stepPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

const DECISIONS = ['retry', 'skip', 'abort'] as const;

function parseDecision(value: string): (typeof DECISIONS)[number] {
  if (!(DECISIONS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${DECISIONS.join(', ')}`);
  return value as (typeof DECISIONS)[number];
}

export function decideCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('decide')
      .description('decide on a failed step or a violated guard (guard:<id>): retry, skip (with --reason) or abort')
      .argument('<run-id>', 'the run')
      .argument('<step-id>', 'the step waiting for a decision, or guard:<id>')
      .argument('<decision>', 'retry, skip or abort', parseDecision)
      .option('-r, --reason <text>', 'why (required for skip)')
      .option('--json', 'print what was done as JSON'),
  ).action((runId: string, stepId: string, decision: string, opts: ApiClientOptions & { reason?: string; json?: boolean }) =>
    run(async () => {
      await new ApiClient(opts).post(stepPath(runId, stepId, 'decide'), { decision, ...(opts.reason ? { reason: opts.reason } : {}) });
      printResult(opts, { runId, stepId, action: 'decide', decision }, `decided ${decision} on ${stepId} of ${runId}`);
      return EXIT.ok;
    }),
  );
}
