/** The `drillbook` CLI: one command factory per verb, all over the same context. */
import { Command } from 'commander';
import { CliContext } from './context';
import { commandRunner } from './run-command';
import { validateCommand } from './commands/validate';
import { planCommand } from './commands/plan';
import { runCommand } from './commands/run';
import { campaignCommand } from './commands/campaign';
import { statusCommand } from './commands/status';
import { historyCommand } from './commands/history';
import { auditCommand } from './commands/audit';
import { migrateCommand } from './commands/migrate';
import { devCommand } from './commands/dev';
import { workerCommand } from './commands/worker';
import { demoCommand } from './commands/demo';
import { inventoryCommand } from './commands/inventory';
import { scheduleCommand } from './commands/schedule';
import { coverageCommand } from './commands/coverage';
import { labCommand } from './commands/lab';
import { schemaCommand } from './commands/schema';
import { serveCommand } from './commands/serve';
import { usersCommand } from './commands/users';
import { confirmCommand } from './commands/confirm';
import { approveCommand } from './commands/approve';
import { decideCommand } from './commands/decide';
import { abortCommand } from './commands/abort';
import { terminateCommand } from './commands/terminate';
import { watchCommand } from './commands/watch';
import { reportCommand } from './commands/report';
import { findingCommand } from './commands/finding';
import { signoffCommand } from './commands/signoff';
import { runbookCommand } from './commands/runbook';
import { readinessCommand } from './commands/readiness';
import { keysCommand } from './commands/keys';
import { importCommand } from './commands/import';
import { EXIT } from './exit-codes';

export function buildProgram(ctx = new CliContext()): Command {
  const run = commandRunner(ctx);
  const program = new Command('drillbook')
    .description('disaster-recovery drills as durable Temporal workflows, with a tamper-evident audit trail')
    .version('0.1.0')
    .showHelpAfterError();
  // One line per command; each factory lives in commands/<verb>.ts.
  for (const cmd of [
    validateCommand(run),
    schemaCommand(run),
    planCommand(run),
    runCommand(run),
    campaignCommand(run),
    statusCommand(ctx, run),
    historyCommand(ctx, run),
    auditCommand(ctx, run),
    migrateCommand(ctx, run),
    devCommand(ctx, run),
    workerCommand(ctx, run),
    demoCommand(ctx, run),
    inventoryCommand(ctx, run),
    scheduleCommand(ctx, run),
    coverageCommand(ctx, run),
    labCommand(run),
    serveCommand(ctx, run),
    usersCommand(ctx, run),
    confirmCommand(run),
    approveCommand(run),
    decideCommand(run),
    abortCommand(run),
    terminateCommand(run),
    watchCommand(run),
    reportCommand(ctx, run),
    findingCommand(run),
    signoffCommand(run),
    runbookCommand(run),
    readinessCommand(run),
    keysCommand(run),
    importCommand(run),
  ]) {
    program.addCommand(cmd);
  }
  usageErrorsExitWith(program);
  return program;
}

/** Commander exits with 1 on a usage error; drillbook's 1 means "the runbook has errors", so map it to EXIT.usage. */
function usageErrorsExitWith(cmd: Command): void {
  cmd.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.usage));
  for (const sub of cmd.commands) usageErrorsExitWith(sub);
}

/**
 * A reader that stops reading (`drillbook validate runbooks/*.yaml | head -1`) closes the pipe: the
 * next write fails with EPIPE. That ends the output, not the command with a stack trace: exit at
 * once, quietly, with the code the command reached (0 when it had none yet), as `cat` or `grep` do.
 */
export function exitQuietlyWhenOutputCloses(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok);
    });
  }
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyWhenOutputCloses();
  await buildProgram().parseAsync(argv);
}
