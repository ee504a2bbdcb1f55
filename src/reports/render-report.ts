/** One report in one format: json, csv, html, pdf (the HTML printed by Chromium). */
import type { AttainmentReport } from './attainment-report';
import type { CoverageMatrix } from './coverage-report';
import type { Dossier } from './dossier';
import type { FindingsReport } from './findings-report';
import type { IntegrityAttestation } from './integrity-report';
import { attainmentCsv, coverageCsv, dossierCsv, findingsCsv, integrityCsv } from './render/csv-rows';
import { attainmentHtml, coverageHtml, dossierHtml, findingsHtml, integrityHtml } from './render/html';
import { htmlToPdf } from './render/pdf';

export const REPORT_FORMATS = ['json', 'csv', 'html', 'pdf'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export type AnyReport = CoverageMatrix | AttainmentReport | FindingsReport | Dossier | IntegrityAttestation;

function csvOf(r: AnyReport): string {
  switch (r.report) {
    case 'coverage': return coverageCsv(r);
    case 'attainment': return attainmentCsv(r);
    case 'findings': return findingsCsv(r);
    case 'dossier': return dossierCsv(r);
    case 'integrity': return integrityCsv(r);
  }
}

export function htmlOf(r: AnyReport): string {
  switch (r.report) {
    case 'coverage': return coverageHtml(r);
    case 'attainment': return attainmentHtml(r);
    case 'findings': return findingsHtml(r);
    case 'dossier': return dossierHtml(r);
    case 'integrity': return integrityHtml(r);
  }
}

export async function renderReport(r: AnyReport, format: ReportFormat): Promise<Buffer> {
  switch (format) {
    case 'json': return Buffer.from(`${JSON.stringify(r, null, 2)}\n`);
    case 'csv': return Buffer.from(csvOf(r));
    case 'html': return Buffer.from(htmlOf(r));
    case 'pdf': return htmlToPdf(htmlOf(r));
  }
}
