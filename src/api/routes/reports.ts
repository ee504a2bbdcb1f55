/**
 * The auditor's reads through the API (the console's Coverage, Attainment, Findings, History, Dossier
 * and Integrity pages): every route behind the one gate with the `read` act (every role: auditors see
 * everything, and these routes change nothing), its query checked by its zod schema (a 400 naming the
 * parameter). The figures are the report builders' (src/reports/), the same the CLI prints.
 *
 *   GET /api/history?service=[&limit=&before=]           a service's runs, newest first, with its inventory entry (as `drillbook history`)
 *   GET /api/reports/coverage[?period=]                  the coverage matrix of a period (default: this half-year)
 *   GET /api/reports/attainment[?from=&to=&service=]     RTO/RPO target vs achieved per run, and the trend per half-year
 *   GET /api/reports/findings[?asOf=]                    findings and actions with their ageing, risk acceptances
 *   GET /api/reports/integrity[?period=]                 the trail's verification (at most 15 s old), the checkpoints of the period
 *   GET /api/runs/:runId/dossier                         a run's dossier (JSON)
 *   GET /api/runs/:runId/dossier/download?format=        the same as a file: pdf, html, csv or json (Content-Disposition)
 *   GET /api/campaigns/:campaignId/dossier               a campaign's dossier (JSON): its phases' figures, each phase's run dossier
 *   GET /api/campaigns/:campaignId/dossier/download?format=   the same as a file: pdf, html or json
 *   GET /api/reports/{coverage,attainment,findings,integrity}/download?format=&…   each period report as a file
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../audit/database';
import { listRunHistory } from '../../audit/history';
import { getRun } from '../../audit/runs';
import { programmeSettings } from '../../coverage/query';
import { attainmentReport, type AttainmentReport } from '../../reports/attainment-report';
import { coverageMatrix, type CoverageMatrix } from '../../reports/coverage-report';
import { buildCampaignDossier, CampaignDossierNotFound, type CampaignDossier } from '../../reports/campaign-dossier';
import { buildDossier } from '../../reports/dossier';
import { CAMPAIGN_DOSSIER_FORMATS, renderCampaignDossier, type CampaignDossierFormat } from '../../reports/render/campaign-html';
import { findingsReport, type FindingsReport } from '../../reports/findings-report';
import { integrityAttestation, type IntegrityAttestation } from '../../reports/integrity-report';
import { inventoryServices } from '../../reports/programme';
import { REPORT_FORMATS, renderReport, type AnyReport, type ReportFormat } from '../../reports/render-report';
import type { ApiDeps } from '../app';
import { ApiError } from '../errors';
import { answers } from '../openapi';
import { InstantParam, PeriodParam, currentHalfYear, parseQuery } from '../query';
import { behindGate } from '../read-gate';
import { AttainmentAnswer, CampaignDossierAnswer, CoverageAnswer, DossierAnswer, FindingsReportAnswer, IntegrityAnswer, ServiceHistoryAnswer } from '../report-answers';
import { checkPathParams, RunParams } from '../path-params';
import { CampaignParams } from './campaigns';

const DAY = 86_400_000;

const HistoryQuery = z.object({
  service: z.string().min(1).max(200).describe("a service's name (as the inventory and the runs name it)"),
  limit: z.coerce.number().int().min(1).max(500).optional().describe('at most this many runs (default 50)'),
  before: InstantParam.optional().describe('only runs started before this instant (the previous page\'s `next`)'),
});
const PeriodQuery = z.object({ period: PeriodParam.optional() });
const AttainmentQuery = z.object({
  from: InstantParam.optional().describe('runs ended at or after (default: three years before `to`)'),
  to: InstantParam.optional().describe('runs ended before (default: now)'),
  service: z.string().min(1).max(200).optional().describe('only this service'),
});
const FindingsQuery = z.object({ asOf: InstantParam.optional().describe('judge ageing and overdue as of (default: now)') });
const DownloadQuery = z.object({ format: z.enum(REPORT_FORMATS).describe('pdf, html, csv or json') });
const CampaignDownloadQuery = z.object({ format: z.enum(CAMPAIGN_DOSSIER_FORMATS).describe('pdf, html or json') });

/** What each download is sent as. */
const MEDIA: Record<ReportFormat, string> = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8' };

/** The 200 of a download: one content type per format, as the OpenAPI document says. */
function downloadAnswers(json: z.ZodType, refusals: (400 | 403 | 404)[]) {
  const response = answers({ status: 200, schema: json }, [...new Set([400, ...refusals] as const)]);
  const file = z.string().describe('the file');
  response[200] = {
    description: 'the report as a file (Content-Disposition: attachment)',
    content: { 'application/pdf': { schema: file }, 'text/html': { schema: file }, 'text/csv': { schema: file }, 'application/json': { schema: json } },
  };
  return response;
}

/** A report sent as a file to save, never to show in the page's origin. PDFs one at a time. */
async function sendFile(reply: FastifyReply, report: AnyReport, format: ReportFormat, name: string) {
  return sendBytes(reply, format, name, (f) => renderReport(report, f));
}

async function sendBytes<F extends ReportFormat>(reply: FastifyReply, format: F, name: string, render: (format: F) => Promise<Buffer>) {
  const bytes = format === 'pdf' ? await oneAtATime(() => render(format)) : await render(format);
  return reply
    .code(200)
    .header('content-type', MEDIA[format])
    .header('content-disposition', `attachment; filename="${fileName(name, format)}"`)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-store')
    .send(bytes);
}

/** A download's file name: only characters safe in a header and a file system (a run id can hold anything). */
export function fileName(name: string, format: ReportFormat): string {
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 140)}.${format}`;
}

/**
 * Chromium (a PDF) one at a time: a reader asking for many PDFs at once queues, and never starts more
 * than one browser on the server.
 */
let pdfQueue: Promise<unknown> = Promise.resolve();
export function oneAtATime<T>(fn: () => Promise<T>): Promise<T> {
  const next = pdfQueue.then(fn, fn);
  pdfQueue = next.catch(() => undefined);
  return next;
}

/**
 * The whole trail's verification for a period (it reads every event), shared: readers who ask while
 * one runs wait for it, and a result younger than REUSE_MS is answered again (its `generatedAt` says
 * when it ran), so reloading the page cannot keep the database busy.
 */
const REUSE_MS = 15_000;
const verifications = new WeakMap<Kysely<Database>, Map<string, { at: number; result: Promise<IntegrityAttestation> }>>();
function verifyOnce(db: Kysely<Database>, period: string, now = Date.now()): Promise<IntegrityAttestation> {
  const verifying = verifications.get(db) ?? verifications.set(db, new Map()).get(db)!;
  const last = verifying.get(period);
  if (last && now - last.at < REUSE_MS) return last.result;
  const result = integrityAttestation(db, period);
  const entry = { at: now, result };
  verifying.set(period, entry);
  // A failed verification is not reused: the next reader tries again.
  result.catch(() => verifying.get(period) === entry && verifying.delete(period));
  return result;
}

/** 404 when no inventory was ever applied: nothing to judge coverage against. */
async function inventoryApplied(db: Kysely<Database>): Promise<void> {
  if (!(await programmeSettings(db))) throw new ApiError(404, 'no_inventory', 'no inventory has been applied: run `drillbook inventory apply FILE` first');
}

async function dossierOf(db: Kysely<Database>, runId: string) {
  const { runId: id } = parseQuery(RunParams, { runId }, 'invalid_request');
  if (!(await getRun(db, id))) throw new ApiError(404, 'run_not_found', `no run ${id}`);
  return buildDossier(db, id);
}

async function campaignDossierOf(db: Kysely<Database>, campaignId: string): Promise<CampaignDossier> {
  checkPathParams({ runId: campaignId });
  try {
    return await buildCampaignDossier(db, campaignId);
  } catch (err) {
    if (err instanceof CampaignDossierNotFound) throw new ApiError(404, 'run_not_found', err.message);
    throw err;
  }
}

export function registerReportRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { db } = deps;
  const read = (summary: string, ok: z.ZodType, refusals: (400 | 403 | 404)[], extra: { params?: z.ZodType; querystring?: z.ZodType } = {}) => ({
    schema: { summary, ...extra, response: answers({ status: 200, schema: ok }, refusals) },
  });

  app.get<{ Querystring: Record<string, unknown> }>(
    '/api/history',
    read("a service's drill history: its runs, newest first, with its inventory entry", ServiceHistoryAnswer, [400, 403], { querystring: HistoryQuery }),
    behindGate(db, async (req: FastifyRequest<{ Querystring: Record<string, unknown> }>) => {
      const query = parseQuery(HistoryQuery, req.query);
      const service = query.service;
      const limit = query.limit ?? 50;
      const runs = await listRunHistory(db, { service, limit, startedBefore: query.before ? new Date(query.before) : undefined });
      const entry = (await inventoryServices(db)).find((s) => s.name === service);
      return {
        service,
        inventory: entry ? { owner: entry.owner, criticality: entry.criticality, critical: entry.critical, cadence: entry.cadence, rtoMs: entry.rtoMs, rpoMs: entry.rpoMs } : null,
        runs: runs.map(({ objectives: _o, temporalRunId: _t, ...run }) => run),
        next: runs.length === limit ? runs[runs.length - 1].startedAt.toISOString() : null,
      };
    }),
  );

  /** The four period reports: each as JSON, and as a file (`…/download?format=`), from the same builder. */
  const reports: { kind: string; summary: string; query: z.ZodObject; answer: z.ZodType; refusals: (400 | 403 | 404)[]; build: (query: Record<string, string | undefined>) => Promise<AnyReport>; name: (report: AnyReport) => string }[] = [
    {
      kind: 'coverage',
      summary: 'the coverage matrix of a period: every inventory service drilled? by which drill types? write-tested? overdue? changed since its drill?',
      query: PeriodQuery, answer: CoverageAnswer, refusals: [400, 403, 404],
      build: async ({ period }) => (await inventoryApplied(db), coverageMatrix(db, period ?? currentHalfYear())),
      name: (r) => `coverage-${(r as CoverageMatrix).period}`,
    },
    {
      kind: 'attainment',
      summary: "RTO/RPO attainment: the inventory's target against what each run measured, and the trend per service and half-year",
      query: AttainmentQuery, answer: AttainmentAnswer, refusals: [400, 403],
      build: async (query) => {
        const to = query.to ? new Date(query.to) : new Date();
        const from = query.from ? new Date(query.from) : new Date(to.getTime() - 3 * 365 * DAY);
        if (from >= to) throw new ApiError(400, 'invalid_query', 'from: must be before `to`', 'from');
        const report = await attainmentReport(db, { from, to });
        if (!query.service) return report;
        return { ...report, rows: report.rows.filter((r) => r.service === query.service), trend: report.trend.filter((t) => t.service === query.service) };
      },
      name: (r) => `attainment-${(r as AttainmentReport).from.slice(0, 10)}-${(r as AttainmentReport).to.slice(0, 10)}`,
    },
    {
      kind: 'findings',
      summary: 'findings and their ageing, open and overdue actions, risk acceptances (active, expired)',
      query: FindingsQuery, answer: FindingsReportAnswer, refusals: [400, 403],
      build: ({ asOf }) => findingsReport(db, asOf ? new Date(asOf) : new Date()),
      name: (r) => `findings-${(r as FindingsReport).asOf.slice(0, 10)}`,
    },
    {
      kind: 'integrity',
      summary: "the trail's integrity: every chain, runs row and step row verified (at most 15 s before); the runs, events and checkpoints of the period",
      query: PeriodQuery, answer: IntegrityAnswer, refusals: [400, 403],
      build: ({ period }) => verifyOnce(db, period ?? currentHalfYear()),
      name: (r) => `integrity-${(r as IntegrityAttestation).period}`,
    },
  ];
  for (const r of reports) {
    app.get<{ Querystring: Record<string, unknown> }>(
      `/api/reports/${r.kind}`,
      read(r.summary, r.answer, r.refusals, { querystring: r.query }),
      behindGate(db, async (req: FastifyRequest<{ Querystring: Record<string, unknown> }>) => r.build(parseQuery(r.query, req.query) as Record<string, string | undefined>)),
    );
    const query = r.query.extend(DownloadQuery.shape);
    app.get<{ Querystring: Record<string, unknown> }>(
      `/api/reports/${r.kind}/download`,
      { schema: { summary: `the ${r.kind} report as a file: PDF, HTML, CSV or JSON`, querystring: query, response: downloadAnswers(r.answer, r.refusals) } },
      behindGate(db, async (req: FastifyRequest<{ Querystring: Record<string, unknown> }>, reply) => {
        const { format, ...rest } = parseQuery(query, req.query) as Record<string, string | undefined> & { format: ReportFormat };
        const report = await r.build(rest);
        return sendFile(reply, report, format, r.name(report));
      }),
    );
  }

  app.get<{ Params: { runId: string } }>(
    '/api/runs/:runId/dossier',
    read("a run's dossier: summary, scope, RTO/RPO against the targets, what changed since the last drill of its runbook, timeline, approvals, deviations, integrity, findings, sign-offs, evidence", DossierAnswer, [400, 403, 404], { params: RunParams }),
    behindGate(db, async (req: FastifyRequest<{ Params: { runId: string } }>) => dossierOf(db, req.params.runId)),
  );

  app.get<{ Params: { runId: string }; Querystring: Record<string, unknown> }>(
    '/api/runs/:runId/dossier/download',
    { schema: { summary: "a run's dossier as a file: PDF, HTML, CSV or JSON", params: RunParams, querystring: DownloadQuery, response: downloadAnswers(DossierAnswer, [400, 403, 404]) } },
    behindGate(db, async (req: FastifyRequest<{ Params: { runId: string }; Querystring: Record<string, unknown> }>, reply) => {
      const { format } = parseQuery(DownloadQuery, req.query);
      const dossier = await dossierOf(db, req.params.runId);
      return sendFile(reply, dossier, format, `dossier-${dossier.runId}`);
    }),
  );

  app.get<{ Params: { campaignId: string } }>(
    '/api/campaigns/:campaignId/dossier',
    read("a campaign's dossier: header, its phases' durations, RTO/RPO against the targets, capacity figures and verdicts, each phase's run dossier", CampaignDossierAnswer, [400, 403, 404], { params: CampaignParams }),
    behindGate(db, async (req: FastifyRequest<{ Params: { campaignId: string } }>) => campaignDossierOf(db, req.params.campaignId)),
  );

  app.get<{ Params: { campaignId: string }; Querystring: Record<string, unknown> }>(
    '/api/campaigns/:campaignId/dossier/download',
    { schema: { summary: "a campaign's dossier as a file: PDF, HTML or JSON", params: CampaignParams, querystring: CampaignDownloadQuery, response: downloadAnswers(CampaignDossierAnswer, [400, 403, 404]) } },
    behindGate(db, async (req: FastifyRequest<{ Params: { campaignId: string }; Querystring: Record<string, unknown> }>, reply) => {
      const { format } = parseQuery(CampaignDownloadQuery, req.query);
      const dossier = await campaignDossierOf(db, req.params.campaignId);
      return sendBytes(reply, format as CampaignDossierFormat, `campaign-dossier-${dossier.campaignId}`, (f) => renderCampaignDossier(dossier, f));
    }),
  );
}
