import { Command } from 'commander';
import { holdWorkerSecrets } from '../hold-worker-secrets';
import { ensureTemporal } from '../../temporal/embedded';
import { startAllWorkers } from '../start-workers';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';
import { untilSignal } from '../signals';

export function devCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('dev')
    .description('start the embedded Temporal dev server (state kept under the data folder) and a worker, until Ctrl-C; a server left by a killed `dev` is reused or ended')
    .action(() =>
      run(async () => {
        const config = ctx.config;
        holdWorkerSecrets(config);
        const trustedKeys = ctx.trustedKeys();
        const { address, uiAddress, started: server, notice } = await ensureTemporal(config);
        if (notice) process.stderr.write(`drillbook dev: ${notice}\n`);
        try {
          const workers = await startAllWorkers({
            address,
            namespace: config.TEMPORAL_NAMESPACE,
            taskQueue: config.DRILLBOOK_TASK_QUEUE,
            sites: config.DRILLBOOK_SITES,
            db: await ctx.db(),
            connections: config.DRILLBOOK_CONNECTIONS,
            trustedKeys,
            security: ctx.temporalSecurity,
          });
          process.stdout.write(`Temporal at ${address}${uiAddress ? `, UI ${uiAddress}` : ''}; worker running. Ctrl-C stops both.\n`);
          await untilSignal(workers.done);
          process.stdout.write('shutting down...\n');
          await workers.shutdown();
        } finally {
          await server?.stop();
        }
        return EXIT.ok;
      }),
    );
}
