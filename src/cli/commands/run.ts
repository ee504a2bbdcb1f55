import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import type { Mode } from '../../plan/types';
import { RunAlreadyActiveError, startRun } from '../../temporal/start-run';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { loadPlanForRun } from '../load-plan';
import { collectParam, parseMode } from '../options';
import type { CommandResult } from '../run-command';
import { followRun } from '../follow-run';

interface RunOptions {
  mode: Mode;
  param: Record<string, string>;
  reason?: string;
  initiator?: string;
  watch?: boolean;
  wait?: boolean;
  json?: boolean;
}

export function runCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('run')
    .description('start a run of a runbook (a durable Temporal workflow)')
    .argument('<file>', 'runbook YAML file')
    .requiredOption('-m, --mode <mode>', 'drill, failover or failback', parseMode)
    .option('-p, --param <name=value>', 'a parameter (repeatable); secrets as references (env:NAME, file:/path)', collectParam, {})
    .option('-r, --reason <text>', 'why this run happens (kept in the audit trail)')
    .option('--initiator <name>', 'who starts it (default: the OS user)')
    .option('-w, --watch', 'show live progress until the run ends')
    .option('--wait', 'wait for the run to end (without live output)')
    .option('--json', 'print the run (and its result) as JSON')
    .action((file: string, opts: RunOptions) =>
      run(async () => {
        if (!opts.reason?.trim()) throw new CliError('--reason is required: every run says why it happens', EXIT.usage);
        const { plan, planHash, params } = loadPlanForRun(file, opts.mode, opts.param);
        plan.source = { file: path.relative(process.cwd(), file) };
        const client = await ctx.temporal();
        // Starting straight on Temporal needs the front door's key (the dev pair on a dev machine).
        const signer = await ctx.signer();
        const initiator = opts.initiator ?? os.userInfo().username;
        let handle;
        try {
          handle = await startRun(client, {
            plan,
            planHash,
            mode: opts.mode,
            params,
            initiator,
            reason: opts.reason,
            taskQueue: ctx.config.DRILLBOOK_TASK_QUEUE,
          }, { signer });
        } catch (err) {
          if (err instanceof RunAlreadyActiveError) throw new CliError(err.message, EXIT.conflict);
          throw err;
        }
        if (!opts.json) process.stdout.write(`started ${handle.workflowId} (plan ${planHash.slice(0, 12)})\n`);
        if (!opts.watch && !opts.wait) {
          if (opts.json) process.stdout.write(`${JSON.stringify({ runId: handle.workflowId, planHash })}\n`);
          return EXIT.ok;
        }
        const result = await followRun(handle, { live: !!opts.watch && !opts.json });
        if (opts.json) process.stdout.write(`${JSON.stringify({ runId: handle.workflowId, planHash, ...result }, null, 2)}\n`);
        else process.stdout.write(`\nrun ${handle.workflowId}: ${result.state}, verdict ${result.verdict}\n`);
        return result.verdict === 'pass' ? EXIT.ok : EXIT.runFailed;
      }),
    );
}
