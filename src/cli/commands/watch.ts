import { Command } from 'commander';
import { ApiClient, withApiOptions, type ApiClientOptions } from '../api-client';
import { exitCodeOfOutcome, followRunViaApi, terminalView } from '../api-runs';
import { EXIT } from '../exit-codes';
import { parsePositiveInt } from '../options';
import type { CommandResult } from '../run-command';

/** Redraw every second: a person reads it, and each redraw is one query to the workflow. */
const DEFAULT_INTERVAL_MS = 1000;

export function watchCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('watch')
      .description('a live view of a run: what runs, what waits for whom, instructions, elapsed vs RTO budget, and the command to act')
      .argument('<run-id>', 'the run')
      .option('--once', 'print one view and exit')
      .option('--interval <ms>', 'refresh interval', parsePositiveInt),
  ).action((runId: string, opts: ApiClientOptions & { once?: boolean; interval?: number }) =>
    run(async () => {
      const outcome = await followRunViaApi(new ApiClient(opts), runId, { show: terminalView(), intervalMs: opts.interval ?? DEFAULT_INTERVAL_MS, once: opts.once });
      // A run still going (--once) is fine; an ended one exits by its verdict, as `run --watch` does.
      return outcome ? exitCodeOfOutcome(outcome) : EXIT.ok;
    }),
  );
}
