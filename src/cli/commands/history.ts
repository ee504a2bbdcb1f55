import { Command } from 'commander';
import { listRuns } from '../../audit/runs';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { parsePositiveInt } from '../options';
import type { CommandResult } from '../run-command';

export function historyCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('history')
    .description('past and current runs, from the audit trail (newest first)')
    .option('-s, --service <name>', 'only runs of this service')
    .option('-b, --runbook <name>', 'only runs of this runbook')
    .option('-n, --limit <n>', 'at most this many', parsePositiveInt, 20)
    .option('--json', 'print as JSON')
    .action((opts: { service?: string; runbook?: string; limit: number; json?: boolean }) =>
      run(async () => {
        const runs = await listRuns(await ctx.db(), { service: opts.service, runbook: opts.runbook, limit: opts.limit });
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
          return EXIT.ok;
        }
        if (!runs.length) process.stdout.write('no runs\n');
        for (const r of runs) {
          const objectives = [r.rtoMs != null ? `RTO ${r.rtoMs} ms` : '', r.rpoMs != null ? `RPO ${r.rpoMs} ms` : ''].filter(Boolean).join(', ');
          process.stdout.write(
            `${new Date(r.startedAt).toISOString()}  ${r.runId.padEnd(40)} ${r.mode.padEnd(8)} ${r.status.padEnd(9)} ${(r.verdict ?? '').padEnd(7)} ${objectives}  by ${r.initiator}\n`,
          );
        }
        return EXIT.ok;
      }),
    );
}
