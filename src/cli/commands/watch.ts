import { Command } from 'commander';
import type { RunProgress } from '../../../workflows/messages';
import { ApiClient, runPath, withApiOptions, type ApiClientOptions } from '../api-client';
import { EXIT } from '../exit-codes';
import { parsePositiveInt } from '../options';
import { renderProgress } from '../render-progress';
import type { CommandResult } from '../run-command';

type RunAnswer = { source: 'temporal'; progress: RunProgress } | { source: 'audit'; run: { runId: string; runbookName: string; mode: string; status: string; verdict: string | null } };

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
      const api = new ApiClient(opts);
      let lastLines = 0;
      let lastText = '';
      for (;;) {
        const answer = await api.get<RunAnswer>(runPath(runId));
        const text =
          answer.source === 'temporal'
            ? renderProgress(answer.progress)
            : `run ${answer.run.runId} — ${answer.run.runbookName} (${answer.run.mode}) — ${answer.run.status.toUpperCase()}${answer.run.verdict ? `, verdict ${answer.run.verdict}` : ''} (from the audit trail)`;
        if (process.stdout.isTTY && lastLines) process.stdout.write(`\x1b[${lastLines}A\x1b[J`);
        // Off a terminal (a log, a pipe), print only what changed.
        if (process.stdout.isTTY || text !== lastText) process.stdout.write(`${text}\n`);
        lastText = text;
        lastLines = text.split('\n').length;
        const ended = answer.source === 'audit' || Boolean(answer.progress.endedAt);
        if (opts.once || ended) {
          if (answer.source === 'temporal' && answer.progress.endedAt) return answer.progress.state === 'completed' ? EXIT.ok : EXIT.runFailed;
          return EXIT.ok;
        }
        await new Promise((r) => setTimeout(r, opts.interval ?? DEFAULT_INTERVAL_MS));
      }
    }),
  );
}
