/** Runs a command's body: maps its result and errors to an exit code in one place, and closes the context. */
import { CliError, EXIT, type ExitCode } from './exit-codes';
import type { CliContext } from './context';

export type CommandResult = ExitCode;

export function commandRunner(ctx: CliContext) {
  return async (fn: () => Promise<CommandResult>): Promise<void> => {
    let code: ExitCode;
    try {
      // Every configuration variable is checked before any command acts: a bad one is named, exit 5.
      void ctx.config;
      code = await fn();
    } catch (err) {
      if (err instanceof CliError) {
        process.stderr.write(`drillbook: ${err.message}\n`);
        code = err.exitCode;
      } else {
        process.stderr.write(`drillbook: unexpected error: ${(err as Error).stack ?? err}\n`);
        code = EXIT.unavailable;
      }
    }
    await ctx.close().catch(() => undefined);
    process.exitCode = code;
  };
}
