/** `drillbook report coverage|attainment|findings|dossier|integrity --format json|csv|html|pdf [--out FILE]`; `report dossier --campaign ID`. */
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { attainmentReport } from '../../reports/attainment-report';
import { coverageMatrix } from '../../reports/coverage-report';
import { buildCampaignDossier, CampaignDossierNotFound } from '../../reports/campaign-dossier';
import { buildDossier } from '../../reports/dossier';
import { findingsReport } from '../../reports/findings-report';
import { integrityAttestation } from '../../reports/integrity-report';
import { parsePeriod } from '../../reports/period';
import { REPORT_FORMATS, renderReport, type AnyReport, type ReportFormat } from '../../reports/render-report';
import { CAMPAIGN_DOSSIER_FORMATS, renderCampaignDossier, type CampaignDossierFormat } from '../../reports/render/campaign-html';
import { CliError, EXIT } from '../exit-codes';
import type { CliContext } from '../context';
import type { CommandResult } from '../run-command';

type Runner = (fn: () => Promise<CommandResult>) => Promise<void>;
interface Out { format: string; out?: string; json?: boolean }

function format(value: string): ReportFormat {
  if (!(REPORT_FORMATS as readonly string[]).includes(value)) throw new CliError(`--format: "${value}" is not one of ${REPORT_FORMATS.join(', ')}`, EXIT.usage);
  return value as ReportFormat;
}

function instant(flag: string, value: string | undefined, fallback: Date): Date {
  if (value === undefined) return fallback;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new CliError(`${flag}: expected an ISO date or date-time, got "${value}"`, EXIT.usage);
  return new Date(t);
}

function period(value: string): string {
  try {
    parsePeriod(value, 'UTC');
  } catch (err) {
    throw new CliError(`--period: ${(err as Error).message}`, EXIT.usage);
  }
  return value;
}

/** The current half-year (UTC), the default period. */
function currentHalf(): string {
  const now = new Date();
  return `${now.getUTCFullYear()}-H${now.getUTCMonth() < 6 ? 1 : 2}`;
}

/** Output flags checked before any work: a bad flag changes and costs nothing. */
function checkOutput(opts: Out): ReportFormat {
  if (opts.json && opts.format !== 'json' && opts.format !== 'html') throw new CliError(`--json: the same as --format json, not --format ${opts.format}`, EXIT.usage);
  const fmt = opts.json ? 'json' : format(opts.format);
  if (fmt === 'pdf' && !opts.out) throw new CliError('--out: a PDF needs a file to write to', EXIT.usage);
  return fmt;
}

async function emit(report: AnyReport, opts: Out): Promise<CommandResult> {
  const fmt = checkOutput(opts);
  return write(await renderReport(report, fmt), `${report.report} report`, fmt, opts);
}

function write(bytes: Buffer, what: string, fmt: string, opts: Out): CommandResult {
  if (opts.out) {
    writeFileSync(opts.out, bytes);
    process.stderr.write(`${what} (${fmt}) written to ${opts.out}\n`);
  } else {
    process.stdout.write(bytes);
  }
  return EXIT.ok;
}

const withOutput = (cmd: Command) =>
  cmd
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'html')
    .option('--json', 'the same as --format json')
    .option('--out <file>', 'write to this file (default: stdout; required for pdf)');

export function reportCommand(ctx: CliContext, run: Runner): Command {
  const report = new Command('report').description("the auditor's reports: coverage, attainment, findings, dossier, integrity");
  withOutput(report.command('coverage').description('every inventory service in a period: drilled, drill types, write-tested, overdue, changed since drill'))
    .option('--period <period>', 'YYYY-H1, YYYY-H2, YYYY-Qn or YYYY (default: the current half-year)')
    .action((opts: Out & { period?: string }) =>
      run(async () => {
        checkOutput(opts);
        const id = period(opts.period ?? currentHalf());
        const db = await ctx.db();
        let matrix;
        try {
          matrix = await coverageMatrix(db, id);
        } catch (err) {
          // No inventory applied yet: nothing to judge coverage against.
          throw new CliError((err as Error).message, EXIT.notFound);
        }
        return emit(matrix, opts);
      }),
    );
  withOutput(report.command('attainment').description('RTO/RPO target vs achieved per service and run, with the trend per half-year'))
    .option('--from <date>', 'runs ended at or after (default: 3 years ago)')
    .option('--to <date>', 'runs ended before (default: now)')
    .action((opts: Out & { from?: string; to?: string }) =>
      run(async () => {
        checkOutput(opts);
        const to = instant('--to', opts.to, new Date());
        const from = instant('--from', opts.from, new Date(to.getTime() - 3 * 365 * 86_400_000));
        if (from >= to) throw new CliError('--from: must be before --to', EXIT.usage);
        return emit(await attainmentReport(await ctx.db(), { from, to }), opts);
      }),
    );
  withOutput(report.command('findings').description('open findings, open and overdue actions with ageing, risk acceptances'))
    .option('--as-of <date>', 'judge overdue and ageing as of (default: now)')
    .action((opts: Out & { asOf?: string }) => run(async () => (checkOutput(opts), emit(await findingsReport(await ctx.db(), instant('--as-of', opts.asOf, new Date())), opts))));
  withOutput(report.command('dossier').description("the formal post-drill report of one run, or with --campaign of a campaign: its phases on one timeline, each phase's run dossier inside").argument('[run-id]', 'the run'))
    .option('--campaign <campaign-id>', "a campaign's dossier (html, pdf or json)")
    .action((runId: string | undefined, opts: Out & { campaign?: string }) =>
      run(async () => {
        if (opts.campaign !== undefined) return campaignDossier(runId, opts.campaign, opts);
        if (runId === undefined) throw new CliError('dossier: give a run id, or --campaign <campaign-id>', EXIT.usage);
        checkOutput(opts);
        const db = await ctx.db();
        let dossier;
        try {
          dossier = await buildDossier(db, runId);
        } catch (err) {
          throw new CliError((err as Error).message, EXIT.notFound);
        }
        return emit(dossier, opts);
      }),
    );

  /** `report dossier --campaign ID`: flags checked first; an unknown id or a plain run's id writes nothing. */
  const campaignDossier = async (runId: string | undefined, campaignId: string, opts: Out): Promise<CommandResult> => {
    if (runId !== undefined) throw new CliError(`dossier: a run id ("${runId}") or --campaign, not both`, EXIT.usage);
    if (!campaignId.trim()) throw new CliError('--campaign: a campaign id is required', EXIT.usage);
    const fmt = checkOutput(opts);
    if (!(CAMPAIGN_DOSSIER_FORMATS as readonly string[]).includes(fmt)) throw new CliError(`--format: a campaign dossier is one of ${CAMPAIGN_DOSSIER_FORMATS.join(', ')}, not ${fmt}`, EXIT.usage);
    let dossier;
    try {
      dossier = await buildCampaignDossier(await ctx.db(), campaignId);
    } catch (err) {
      if (err instanceof CampaignDossierNotFound) throw new CliError(err.message, EXIT.notFound);
      throw err;
    }
    return write(await renderCampaignDossier(dossier, fmt as CampaignDossierFormat), 'campaign dossier', fmt, opts);
  };
  withOutput(report.command('integrity').description('integrity attestation for a period: chain verification and checkpoints'))
    .option('--period <period>', 'YYYY-H1, YYYY-H2, YYYY-Qn or YYYY (default: the current half-year)')
    .action((opts: Out & { period?: string }) =>
      run(async () => {
        checkOutput(opts);
        const attestation = await integrityAttestation(await ctx.db(), period(opts.period ?? currentHalf()));
        await emit(attestation, opts);
        return attestation.verification.ok ? EXIT.ok : EXIT.tampered;
      }),
    );
  return report;
}
