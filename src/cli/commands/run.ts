import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import type { Mode } from '../../plan/types';
import { ApiClient, withApiOptions, type ApiClientOptions } from '../api-client';
import { followRunViaApi, startRunViaApi, terminalView } from '../api-runs';
import { CliError, EXIT, exitCodeOfRun } from '../exit-codes';
import { loadPlanForRun } from '../load-plan';
import { collectParam, OVERRIDE_READINESS_HELP, parseMode, readinessOverrideOption } from '../options';
import type { CommandResult } from '../run-command';

interface RunOptions extends ApiClientOptions {
  mode: Mode;
  param?: Record<string, string>;
  reason?: string;
  overrideReadiness?: string;
  initiator?: string;
  watch?: boolean;
  wait?: boolean;
  json?: boolean;
}

/** A person reads the live view; the log of `--wait` needs no more than a poll a second. */
const WATCH_INTERVAL_MS = 500;
const WAIT_INTERVAL_MS = 1000;

/**
 * `drillbook run`: starts a run through the operators' API (`POST /api/runs`), so the initiator is the
 * user of the API token — never a name typed on the command line — and the start is checked and
 * audited at the one front door. `--watch`/`--wait` follow it through the API too.
 */
export function runCommand(run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return withApiOptions(
    new Command('run')
      .description('start a run of a runbook through the drillbook API (you, the token\'s user, are its initiator)')
      .argument('<file>', 'runbook YAML file')
      .requiredOption('-m, --mode <mode>', 'drill, failover or failback', parseMode)
      .option('-p, --param <name=value>', 'a parameter (repeatable); secrets as references (env:NAME, file:/path)', collectParam)
      .option('-r, --reason <text>', 'why this run happens (kept in the audit trail)')
      .option('--override-readiness <reason>', OVERRIDE_READINESS_HELP)
      .option('-w, --watch', 'show live progress until the run ends')
      .option('--wait', 'wait for the run to end (without live output)')
      .option('--json', 'print the run (and its result) as JSON')
      // Gone: kept only to answer with why, instead of commander's bare "unknown option".
      .addOption(new Option('--initiator <name>').hideHelp()),
  ).action((file: string, opts: RunOptions) =>
    run(async () => {
      if (opts.initiator !== undefined) {
        throw new CliError('--initiator is no longer accepted: a run\'s initiator is the user of the API token (DRILLBOOK_TOKEN or --token)', EXIT.usage);
      }
      if (!opts.reason?.trim()) throw new CliError('--reason is required: every run says why it happens', EXIT.usage);
      const override = readinessOverrideOption(opts.overrideReadiness);
      // Checked here first, so a broken runbook or param is named at file:line:col before anything is sent.
      const { params } = loadPlanForRun(file, opts.mode, opts.param ?? {});
      const api = new ApiClient(opts);
      const started = await startRunViaApi(api, {
        runbook: readFileSync(file, 'utf8'),
        file: path.relative(process.cwd(), file),
        mode: opts.mode,
        params,
        reason: opts.reason,
        ...override,
      });
      if (!opts.json) process.stdout.write(`started ${started.runId} (plan ${started.planHash.slice(0, 12)})\n`);
      if (!opts.watch && !opts.wait) {
        if (opts.json) process.stdout.write(`${JSON.stringify({ runId: started.runId, planHash: started.planHash })}\n`);
        return EXIT.ok;
      }
      const live = !!opts.watch && !opts.json;
      const { outcome, ended } = await followRunViaApi(api, started.runId, { show: live ? terminalView() : undefined, intervalMs: live ? WATCH_INTERVAL_MS : WAIT_INTERVAL_MS });
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...outcome, runId: started.runId, planHash: started.planHash }, null, 2)}\n`);
      else process.stdout.write(`\nrun ${started.runId}: ${outcome.state}, verdict ${outcome.verdict ?? 'none'}\n`);
      return exitCodeOfRun({ ended, verdict: outcome.verdict });
    }),
  );
}
