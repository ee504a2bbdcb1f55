import { Command } from 'commander';
import { holdWorkerSecrets } from '../hold-worker-secrets';
import { resolveTemporalAddress } from '../../temporal/embedded';
import { startAllWorkers } from '../start-workers';
import { EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';
import { untilSignal } from '../signals';

export function workerCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('worker')
    .description('run a worker (the run queue and the sites of DRILLBOOK_SITES) until SIGINT/SIGTERM')
    .action(() =>
      run(async () => {
        // Read the configuration first: it holds DATABASE_URL, which then leaves the environment.
        holdWorkerSecrets(ctx.config);
        const trustedKeys = ctx.trustedKeys();
        const workers = await startAllWorkers({
          address: await resolveTemporalAddress(ctx.config),
          namespace: ctx.config.TEMPORAL_NAMESPACE,
          taskQueue: ctx.config.DRILLBOOK_TASK_QUEUE,
          sites: ctx.config.DRILLBOOK_SITES,
          db: await ctx.db(),
          connections: ctx.config.DRILLBOOK_CONNECTIONS,
          trustedKeys,
          security: ctx.temporalSecurity,
        });
        process.stdout.write(`worker polling ${[ctx.config.DRILLBOOK_TASK_QUEUE, ...ctx.config.DRILLBOOK_SITES].join(', ')} and the programme queue\n`);
        await untilSignal(workers.done);
        process.stdout.write('worker: shutting down (running activities may finish)\n');
        await workers.shutdown();
        return EXIT.ok;
      }),
    );
}
