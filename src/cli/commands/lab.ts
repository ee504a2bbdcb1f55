/**
 * `drillbook lab up|down|status|reset|load|kill-primary|stop-replication|resume-replication`: the DR lab on loopback (lab/), by the same functions
 * the lab's tests and the demo use. Where it lives and its ports come from DRILLBOOK_LAB_DIR and
 * DRILLBOOK_LAB_PORT_BASE (defaults /tmp/drillbook-lab and 25432).
 */
import { Command } from 'commander';
import {
  SITES,
  infraApiUrl,
  loadLabConfig,
  siteConnectionString,
  switchConnectionString,
  type LabConfig,
} from '../../../lab/config';
import { labReset } from '../../../lab/failback';
import { killPrimary, resumeReplication, stopReplication } from '../../../lab/faults';
import { labDown, labStatus, labUp, type LabStatus } from '../../../lab/lab';
import { startLoad, type LoadReport } from '../../../lab/load-generator';
import { parseDuration } from '../../plan/duration';
import { CliError, EXIT } from '../exit-codes';
import { printResult } from '../output';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;

/** The lab's configuration; a bad DRILLBOOK_LAB_* value or missing PostgreSQL binaries exit 5. */
function labConfig(): LabConfig {
  try {
    return loadLabConfig();
  } catch (err) {
    const issues = (err as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    const message = issues
      ? issues.map((i) => `${i.path.join('.') === 'portBase' ? 'DRILLBOOK_LAB_PORT_BASE' : i.path.join('.') === 'rootDir' ? 'DRILLBOOK_LAB_DIR' : i.path.join('.')}: ${i.message}`).join('; ')
      : (err as Error).message;
    throw new CliError(`lab configuration: ${message}`, EXIT.unavailable);
  }
}

/** Where clients and runbooks reach the lab: the params the lab runbooks take. */
export function labEndpoints(config: LabConfig): Record<string, string> {
  return {
    switchDb: switchConnectionString(config),
    siteADb: siteConnectionString(config, 'site-a'),
    siteBDb: siteConnectionString(config, 'site-b'),
    siteA: infraApiUrl(config, 'site-a'),
    siteB: infraApiUrl(config, 'site-b'),
  };
}

function describeStatus(status: LabStatus): string {
  const lines = [`lab at ${status.rootDir}: ${status.initialTopology ? 'initial topology (A primary, B streaming standby, traffic on A)' : 'NOT in its initial topology'}`];
  for (const site of SITES) {
    const s = status.sites[site];
    const receiver = s.walReceiver ? `, WAL receiver ${s.walReceiver.status}` : '';
    lines.push(`  ${site}: PostgreSQL :${s.port} ${s.role}${receiver}; infra API :${s.infraApi.port} ${s.infraApi.up ? 'up' : 'down'}`);
  }
  const r = status.replication;
  lines.push(`  replication: ${r.streaming ? `streaming ${r.from} -> ${r.to}, lag ${r.lagBytes ?? 0} bytes` : 'not streaming'}`);
  const t = status.trafficSwitch;
  lines.push(`  traffic switch :${t.port} ${t.up ? `up, target ${t.target}, fenced [${(t.fenced ?? []).join(', ')}]` : 'down'}`);
  return lines.join('\n');
}

function describeLoad(report: LoadReport): string {
  return [
    `${report.committed} transfers acknowledged of ${report.attempted} sent (${report.failedNoAnswer} without answer, ${report.rejected} refused)`,
    `client-side RTO (longest window with no acknowledged write): ${report.longestWriteGapMs} ms`,
    report.verified
      ? `client-side RPO: ${report.missingCommitted.length} acknowledged transfer(s) missing`
      : `client-side RPO: not verified (${report.verifyError ?? 'verification skipped'})`,
  ].join('\n');
}

export function labCommand(run: Runner): Command {
  const lab = new Command('lab').description('the DR lab: two PostgreSQL sites with streaming replication, a traffic switch, per-site infra APIs');

  lab
    .command('up')
    .description('start (or repair) the lab; idempotent')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const config = labConfig();
        const report = await labUp(config);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...report, endpoints: labEndpoints(config) }, null, 2)}\n`);
        } else {
          process.stdout.write(`lab up in ${Math.round(report.durationMs)} ms: ${report.actions.map((a) => `${a.part} ${a.action}`).join(', ')}\n`);
          for (const [name, url] of Object.entries(labEndpoints(config))) process.stdout.write(`  ${name.padEnd(8)} ${url}\n`);
        }
        return EXIT.ok;
      }),
    );

  lab
    .command('down')
    .description('stop every part of the lab and remove its data; leaves no process or port behind')
    .option('--keep-data', 'keep the data folders (the next `lab up` resumes them)')
    .option('--json', 'print as JSON')
    .action((opts: { keepData?: boolean; json?: boolean }) =>
      run(async () => {
        const report = await labDown(labConfig(), { keepData: opts.keepData });
        if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        else process.stdout.write(`lab down: stopped [${report.stopped.join(', ')}]${report.removedData ? ', data removed' : ''}\n`);
        if (report.portsStillOpen.length > 0) {
          throw new CliError(`lab ports still accept connections: ${report.portsStillOpen.join(', ')} (something else holds them?)`, EXIT.unavailable);
        }
        return EXIT.ok;
      }),
    );

  lab
    .command('status')
    .description("every part's state: roles, replication, the switch")
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const status = await labStatus(labConfig());
        process.stdout.write(opts.json ? `${JSON.stringify(status, null, 2)}\n` : `${describeStatus(status)}\n`);
        return EXIT.ok;
      }),
    );

  lab
    .command('reset')
    .description('return the lab to its initial topology from whatever a drill left (failed over, split brain, a part crashed)')
    .option('--json', 'print what was done as JSON')
    .action((opts: { json?: boolean }) =>
      run(async () => {
        const result = await labReset(labConfig());
        printResult(opts, result, `lab reset in ${Math.round(result.durationMs)} ms: ${result.actions.join(', ') || 'nothing to do'}`);
        return EXIT.ok;
      }),
    );

  lab
    .command('kill-primary')
    .description("crash the primary: SIGKILL its postmaster (for an unplanned failover); recorded in the lab's fault log")
    .option('--site <site>', 'site-a or site-b (default: the site that accepts writes)')
    .option('--json', 'print the record as JSON')
    .action((opts: { site?: string; json?: boolean }) =>
      run(async () => {
        if (opts.site !== undefined && opts.site !== 'site-a' && opts.site !== 'site-b') {
          throw new CliError(`--site: expected site-a or site-b, got "${opts.site}"`, EXIT.usage);
        }
        const record = await killPrimary(labConfig(), { site: opts.site as 'site-a' | 'site-b' | undefined });
        printResult(opts, record, `${record.site}: postmaster ${record.pid} killed (SIGKILL) at ${record.at}, down after ${record.downAfterMs} ms`);
        return EXIT.ok;
      }),
    );

  for (const verb of ['stop-replication', 'resume-replication'] as const) {
    lab
      .command(verb)
      .description(
        verb === 'stop-replication'
          ? "stop a standby's replication (its WAL receiver; it stays up and falls behind), e.g. to see readiness turn red; recorded in the lab's fault log"
          : 'resume the replication stop-replication stopped, and wait until the standby streams again',
      )
      .option('--site <site>', verb === 'stop-replication' ? 'site-a or site-b (default: the one standby)' : 'site-a or site-b (default: the last one stopped)')
      .option('--json', 'print the record as JSON')
      .action((opts: { site?: string; json?: boolean }) =>
        run(async () => {
          if (opts.site !== undefined && opts.site !== 'site-a' && opts.site !== 'site-b') {
            throw new CliError(`--site: expected site-a or site-b, got "${opts.site}"`, EXIT.usage);
          }
          const act = verb === 'stop-replication' ? stopReplication : resumeReplication;
          const record = await act(labConfig(), { site: opts.site as 'site-a' | 'site-b' | undefined });
          printResult(opts, record, `${record.site}: replication ${verb === 'stop-replication' ? 'stopped' : 'streaming again'} after ${record.tookMs} ms`);
          return EXIT.ok;
        }),
      );
  }

  lab
    .command('load')
    .description('write bank transfers through the traffic switch and report what a customer saw (RTO, lost writes)')
    .option('--duration <duration>', 'how long, e.g. 30s or 5m (default: until Ctrl-C)')
    .option('--rate <perSecond>', 'transfers per second', '200')
    .option('--json', 'print the report as JSON')
    .action((opts: { duration?: string; rate: string; json?: boolean }) =>
      run(async () => {
        let durationMs: number | undefined;
        if (opts.duration !== undefined) {
          const parsed = parseDuration(opts.duration);
          if (!parsed.ok) throw new CliError(`--duration: ${parsed.error}`, EXIT.usage);
          durationMs = parsed.ms;
        }
        const rate = Number(opts.rate);
        if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) throw new CliError(`--rate: expected a number of transfers per second in (0, 10000], got "${opts.rate}"`, EXIT.usage);
        const config = labConfig();
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        if (!opts.json) process.stderr.write(`writing ${rate} transfers/s to ${switchConnectionString(config)}${durationMs ? ` for ${opts.duration}` : ' until Ctrl-C'}\n`);
        try {
          const report = await startLoad({ connectionString: switchConnectionString(config), ratePerSec: rate, durationMs, signal: stop.signal }).done;
          if (opts.json) {
            const { committedSeqs, ...rest } = report;
            process.stdout.write(`${JSON.stringify({ ...rest, committedSeqs: committedSeqs.length }, null, 2)}\n`);
          } else {
            process.stdout.write(`${describeLoad(report)}\n`);
          }
          return report.verified && report.missingCommitted.length === 0 ? EXIT.ok : EXIT.runFailed;
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      }),
    );
  return lab;
}
