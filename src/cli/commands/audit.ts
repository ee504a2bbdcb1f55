import { Command } from 'commander';
import { verifyAuditChain } from '../../audit/verify-chain';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';

export function auditCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  const audit = new Command('audit').description('the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute every hash chain and report the first broken link')
    .option('--run <run-id>', 'only this run\'s chain')
    .option('--json', 'print the result as JSON')
    .action((opts: { run?: string; json?: boolean }) =>
      run(async () => {
        const started = Date.now();
        const result = await verifyAuditChain(await ctx.db(), { chainId: opts.run });
        const seconds = (Date.now() - started) / 1000;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...result, seconds }, null, 2)}\n`);
        } else if (result.ok) {
          process.stdout.write(`audit trail intact: ${result.events} events in ${result.chains} chains verified in ${seconds.toFixed(2)} s\n`);
        } else {
          const b = result.firstBreak!;
          process.stdout.write(
            `audit trail BROKEN at chain ${b.chainId} seq ${b.seq} (event id ${b.eventId}, ${b.type}, key ${b.key}): ${b.reason}\n`,
          );
        }
        return result.ok ? EXIT.ok : EXIT.tampered;
      }),
    );
  return audit;
}
