/**
 * `drillbook readiness [--json]`: each registered runbook's readiness — state, since when, why, last
 * evaluated — and `drillbook readiness check [--service s]`: evaluate now (operator, admin). Both
 * through the drillbook API, as every read and act of a person (docs/readiness.md).
 */
import { Command } from 'commander';
import type { RunbookReadiness } from '../../readiness/query';
import { describeWhy } from '../../readiness/query';
import { ApiClient, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;

interface CheckAnswer {
  checks: { service: string; workflowId: string; finished: boolean; runbooks: { runbook: string; state: string; changed: boolean }[] }[];
  runbooks: RunbookReadiness[];
}

export function readinessCommand(run: Runner): Command {
  const cmd = withApiOptions(
    new Command('readiness')
      .description("each registered runbook's readiness (its pre-checks, evaluated on a schedule): state, since when, why, last evaluated")
      .option('--json', 'print them as JSON'),
  ).action((opts: ApiClientOptions & { json?: boolean }) =>
    run(async () => {
      const { runbooks } = await new ApiClient(opts).get<{ runbooks: RunbookReadiness[] }>('/api/readiness');
      if (opts.json) process.stdout.write(`${JSON.stringify(runbooks, null, 2)}\n`);
      else printStates(runbooks);
      return EXIT.ok;
    }),
  );
  cmd.addCommand(
    withApiOptions(
      new Command('check')
        .description('evaluate the pre-checks now (operator, admin; audited), then print the readiness')
        .option('--service <name>', 'only this service (default: every service of a registered runbook)')
        .option('--json', 'print the evaluations and the readiness as JSON'),
    ).action((_opts: unknown, command: Command) =>
      run(async () => {
        // The parent takes --json, --api and --token too: read them wherever commander put them.
        const opts = command.optsWithGlobals<ApiClientOptions & { service?: string; json?: boolean }>();
        const answer = await new ApiClient(opts).post<CheckAnswer>('/api/readiness/check', opts.service ? { service: opts.service } : {});
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ checks: answer.checks, runbooks: answer.runbooks }, null, 2)}\n`);
          return EXIT.ok;
        }
        for (const c of answer.checks) {
          if (!c.finished) process.stdout.write(`${c.service}: still evaluating (${c.workflowId}); see drillbook readiness\n`);
        }
        printStates(answer.runbooks.filter((r) => !opts.service || r.service === opts.service));
        return EXIT.ok;
      }),
    ),
  );
  return cmd;
}

function printStates(runbooks: RunbookReadiness[]): void {
  if (!runbooks.length) {
    process.stdout.write('no readiness recorded yet (registered runbooks are evaluated by their service\'s readiness schedule: drillbook schedule create)\n');
    return;
  }
  for (const r of runbooks) {
    const why = describeWhy(r);
    process.stdout.write(`${r.service.padEnd(16)} ${r.runbook.padEnd(24)} ${r.state.padEnd(9)} since ${r.since}  evaluated ${r.lastEvaluatedAt}${why ? `\n  ${why}` : ''}\n`);
  }
}
