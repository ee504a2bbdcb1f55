/**
 * `drillbook demo`: a real DR drill cycle on this machine, as one campaign. Lab up → load generator on
 * → the semiannual campaign (failover-to-dr, verify-dr-capacity against the primary's peak under the
 * load, restore-primary; drill) followed live → report: per phase and in total, the duration and the
 * RTO/RPO drillbook measured next to what the load generator's customers saw and the targets, the DR
 * capacity ratio, the audit trail and its integrity, the campaign's verdict (the exit code follows
 * it), and where to look further. The lab goes down at the end unless --keep-lab. With --keep,
 * the console stays up (with the API, the worker, Temporal and the lab) until Ctrl-C, and the demo
 * prints its address and a sign-in token (revoked when it stops).
 *
 * Like anyone, the demo starts its campaign through the operators' API (as `drillbook campaign run`):
 * it serves the API in-process on a loopback port (started as `drillbook serve` starts it) and acts as
 * its own operator, `demo`.
 */
import { Command } from 'commander';
import { holdWorkerSecrets } from '../hold-worker-secrets';
import { loadLabConfig } from '../../../lab/config';
import { labDown } from '../../../lab/lab';
import { formatCycleReport } from '../demo/cycle-report';
import { runDrillCycle } from '../demo/drill-cycle';
import { CONSOLE_USER, demoIdentity } from '../demo/demo-identity';
import { startWebhookReceiver } from '../demo/webhook-receiver';
import { ensureTemporal } from '../../temporal/embedded';
import { startWorkers } from '../../temporal/worker';
import { ApiClient } from '../api-client';
import { startConfiguredApi } from '../configured-api';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import { terminalView } from '../api-runs';
import type { CommandResult } from '../run-command';
import { untilSignal } from '../signals';

export function demoCommand(ctx: CliContext, run: (fn: () => Promise<CommandResult>) => Promise<void>): Command {
  return new Command('demo')
    .description('a real drill cycle on the DR lab under load, as one campaign: failover to the DR site, DR capacity verified, and back; RTO/RPO per phase and in total measured and compared')
    .option('--keep-lab', 'leave the lab running afterwards (`drillbook lab down` stops it)')
    .option('--keep', 'leave the console up (with the API, the worker, Temporal and the lab) until Ctrl-C, and print its address and a sign-in token')
    .option('--rate <perSecond>', 'transfers per second of the load generator', '200')
    .action((opts: { keepLab?: boolean; keep?: boolean; rate: string }) =>
      run(async () => {
        const rate = Number(opts.rate);
        if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) throw new CliError(`--rate: expected a number in (0, 10000], got "${opts.rate}"`, EXIT.usage);
        let lab;
        try {
          lab = loadLabConfig();
        } catch (err) {
          throw new CliError(`lab configuration: ${(err as Error).message}`, EXIT.unavailable);
        }
        const config = ctx.config;
        holdWorkerSecrets(config);
        const trustedKeys = ctx.trustedKeys();
        const db = await ctx.db();
        const { address, started: server } = await ensureTemporal(config);
        process.stdout.write(`Temporal: ${address}${server ? ' (embedded dev server, started for the demo)' : ''}\n`);
        const webhook = await startWebhookReceiver();
        const workers = await startWorkers({
          address,
          namespace: config.TEMPORAL_NAMESPACE,
          taskQueue: config.DRILLBOOK_TASK_QUEUE,
          sites: config.DRILLBOOK_SITES,
          db,
          connections: config.DRILLBOOK_CONNECTIONS,
          trustedKeys,
          security: ctx.temporalSecurity,
        });
        let api: Awaited<ReturnType<typeof startConfiguredApi>> | undefined;
        let identity: Awaited<ReturnType<typeof demoIdentity>> | undefined;
        try {
          api = await startConfiguredApi(ctx, { host: '127.0.0.1', port: 0 });
          identity = await demoIdentity(db);
          process.stdout.write(`API: ${api.url} (in-process, as \`drillbook serve\`); the runs are started by the operator "${identity.name}"\n`);
          const operator = new ApiClient({ api: api.url, token: identity.token });
          const report = await runDrillCycle({
            api: operator,
            db,
            lab,
            webhook: webhook.url,
            ratePerSec: rate,
            reason: 'drillbook demo',
            log: (line) => process.stdout.write(`${line}\n`),
            onStarted: (campaignId) => void process.stdout.write(`  campaign ${campaignId}\n`),
            // On a terminal, `drillbook watch`'s live view of the campaign, through the API as an operator sees it.
            show: process.stdout.isTTY ? terminalView() : undefined,
          });
          const campaignId = report.campaign.campaignId;
          process.stdout.write(
            [
              '',
              formatCycleReport(report),
              `notifications delivered to the demo webhook: ${webhook.received.length}`,
              '',
              'look closer:',
              `  node bin/drillbook.js status ${campaignId}`,
              ...report.runs.map((r) => `  node bin/drillbook.js status ${r.runId}`),
              `  node bin/drillbook.js report dossier --campaign ${campaignId} --format pdf --out campaign-dossier.pdf`,
              '  node bin/drillbook.js history --service payments',
              '  node bin/drillbook.js audit verify',
              `  .tools/bin/temporal workflow list --address ${address} --query "DrillService='payments'"`,
              `  (Temporal UI: run \`node bin/drillbook.js dev\` and open http://127.0.0.1:${config.DRILLBOOK_UI_PORT})`,
              opts.keepLab ? '  the lab is still up: node bin/drillbook.js lab status (and lab down when done)' : '',
              '',
            ].join('\n'),
          );
          // The campaign's verdict decides, and nothing the cycle checks around it may have gone wrong.
          const ok =
            report.campaign.verdict === 'pass' &&
            report.campaign.chainIntact &&
            report.runs.every((r) => r.chainIntact) &&
            report.load.verified &&
            report.load.missingCommitted.length === 0 &&
            report.missingAfterFailback.length === 0 &&
            report.topology.initialTopology;
          if (opts.keep) await keepConsoleUp(db, api.url, opts.keepLab === true);
          return ok ? EXIT.ok : EXIT.runFailed;
        } finally {
          await identity?.revoke().catch(() => undefined);
          await api?.close();
          await workers.shutdown();
          await webhook.close();
          if (!opts.keepLab) {
            const down = await labDown(lab);
            process.stdout.write(`lab down: stopped [${down.stopped.join(', ')}]\n`);
          }
          await server?.stop();
        }
      }),
    );
}

/**
 * `--keep`: the console stays up until Ctrl-C, signed in with a token of its own (operator and
 * auditor, a day at most, revoked when the demo stops). The token is printed once, on this terminal:
 * the demo runs on the operator's own machine, on loopback.
 */
async function keepConsoleUp(db: Parameters<typeof demoIdentity>[0], apiUrl: string, keepLab: boolean): Promise<void> {
  const visitor = await demoIdentity(db, 'drillbook-demo', CONSOLE_USER);
  try {
    process.stdout.write(
      [
        `console: ${apiUrl}/console/`,
        `sign in with this token (user "${visitor.name}": operator and auditor; revoked when the demo stops):`,
        `  ${visitor.token}`,
        `Ctrl-C stops the console, the worker and Temporal${keepLab ? '' : ', and takes the lab down'}.`,
        '',
      ].join('\n'),
    );
    await untilSignal(new Promise<void>(() => undefined));
  } finally {
    await visitor.revoke().catch(() => undefined);
  }
}
