/**
 * The mapping report: every source element and what it became, or why not. Printed to stderr for the
 * person importing, and written as JSON with `--report FILE` for tools.
 */
import type { ReportEntry, ReportStatus } from './draft';
import { placeText } from './import-error';

export interface MappingReport {
  tool: 'chaostoolkit' | 'rundeck';
  source: string;
  /** The draft's file, or null when it went to stdout. */
  draft: string | null;
  scripts: string[];
  counts: Record<ReportStatus, number>;
  entries: ReportEntry[];
}

const LABEL: Record<ReportStatus, string> = {
  mapped: 'mapped',
  partial: 'TODO',
  manual: 'manual',
  'not-mapped': 'not mapped',
};

export function buildReport(
  tool: MappingReport['tool'],
  source: string,
  draft: string | null,
  scripts: string[],
  entries: ReportEntry[],
): MappingReport {
  const counts: Record<ReportStatus, number> = { mapped: 0, partial: 0, manual: 0, 'not-mapped': 0 };
  for (const e of entries) counts[e.status] += 1;
  return { tool, source, draft, scripts, counts, entries };
}

/** One line per element: `FILE:LINE  [status] element → what it became — note`. */
export function formatReport(report: MappingReport): string {
  const lines = report.entries.map((e) => {
    const became = e.became.length ? ` → ${e.became.join(', ')}` : '';
    const note = e.note ? ` — ${e.note}` : '';
    return `${placeText(e.at)}  [${LABEL[e.status]}] ${e.element}${became}${note}`;
  });
  const c = report.counts;
  lines.push(
    `${report.source}: ${c.mapped} mapped, ${c.partial} with a TODO, ${c.manual} manual, ${c['not-mapped']} not mapped` +
      `; draft ${report.draft ?? '(stdout)'}${report.scripts.length ? `, ${report.scripts.length} script file(s)` : ''}`,
  );
  return `${lines.join('\n')}\n`;
}
