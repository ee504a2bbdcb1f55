import { Command } from 'commander';
import { EXIT } from '../exit-codes';
import { redactUrl, type CliContext } from '../context';
import type { CommandResult } from '../run-command';

export function migrateCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('migrate')
    .description('create the audit database if needed and apply its migrations (also done at every start)')
    .action(() =>
      run(async () => {
        await ctx.db();
        process.stdout.write(`audit schema up to date at ${redactUrl(ctx.config.DATABASE_URL)}\n`);
        return EXIT.ok;
      }),
    );
}
