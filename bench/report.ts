/** The human-readable table of a benchmark run. */
import type { CaseResult } from './case-result';
import type { Stats } from './stats';

function figure(value: number | null, unit: string): string {
  if (value === null) return '-';
  return unit === 'events/s' ? `${Math.round(value).toLocaleString('en-US')} ev/s` : `${value.toFixed(1)} ms`;
}

function spread(stats: Stats | undefined): string {
  if (!stats) return '-';
  return `${stats.min.toFixed(0)}-${stats.max.toFixed(0)} (n=${stats.n})`;
}

export function formatTable(results: CaseResult[]): string {
  const rows = [['case', 'drillbook', 'spread', 'baseline', 'spread', 'ratio', 'target', 'met']];
  for (const r of results) {
    const unit = r.detail?.unit ?? 'ms';
    rows.push([
      r.case,
      r.skipped ? `skipped: ${r.skipped}` : figure(r.ours_ms, unit),
      spread(r.detail?.ours),
      figure(r.baseline_ms, unit),
      spread(r.detail?.baseline),
      r.ratio === null ? '-' : r.ratio.toFixed(3),
      r.target,
      r.skipped ? 'n/a' : r.met ? 'yes' : 'NO',
    ]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}
