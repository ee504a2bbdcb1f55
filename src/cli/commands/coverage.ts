import { Command } from 'commander';
import { coverageReport } from '../../coverage/query';
import { formatDuration, parseDuration } from '../../plan/duration';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';

function parseAsOf(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new CliError(`--as-of: expected an ISO date or date-time, got "${value}"`, EXIT.usage);
  return new Date(t);
}

export function coverageCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('coverage')
    .description('which services are drilled, due or overdue in the current period, and which changed since their last drill (or last passing drill)')
    .option('--as-of <instant>', 'judge as of this instant (default: now)')
    .option('--due-within <duration>', "override the inventory's notifications.dueWithin (e.g. 30d)")
    .option('--json', 'print the report as JSON')
    .action((opts: { asOf?: string; dueWithin?: string; json?: boolean }) =>
      run(async () => {
        let dueWithinMs: number | undefined;
        if (opts.dueWithin !== undefined) {
          const d = parseDuration(opts.dueWithin);
          if (!d.ok) throw new CliError(`--due-within: ${d.error}`, EXIT.usage);
          dueWithinMs = d.ms;
        }
        let report;
        try {
          report = await coverageReport(await ctx.db(), parseAsOf(opts.asOf), { dueWithinMs });
        } catch (err) {
          if (err instanceof CliError) throw err;
          throw new CliError((err as Error).message, EXIT.notFound);
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          return EXIT.ok;
        }
        process.stdout.write(`coverage as of ${report.asOf} (${report.timeZone}; due soon = within ${formatDuration(report.dueWithinMs)})\n`);
        for (const s of report.services) {
          const flags = [s.dueSoon ? 'DUE SOON' : '', s.changedSinceDrill ? 'CHANGED SINCE DRILL' : '', s.changedSinceLastPass ? 'CHANGED SINCE LAST PASS' : '', s.objectiveMismatches.length ? 'OBJECTIVES DISAGREE' : ''].filter(Boolean).join(', ');
          process.stdout.write(
            `${s.service.padEnd(24)} ${s.period.id.padEnd(8)} ${s.status.padEnd(8)} deadline ${s.deadline} (${s.daysLeft}d)  last drill ${s.lastDrill?.runId ?? '-'}${flags ? `  [${flags}]` : ''}\n`,
          );
          for (const c of s.changes) process.stdout.write(`    changed: ${c}\n`);
          for (const m of s.objectiveMismatches) process.stdout.write(`    warning: ${m.message}\n`);
        }
        return EXIT.ok;
      }),
    );
}
