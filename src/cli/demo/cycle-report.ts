/** The demo's closing report: per runbook, drillbook's RTO/RPO next to the client's and the targets. */
import type { CycleReport } from './drill-cycle';

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${Math.round(value)} ms`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
}

export function formatCycleReport(report: CycleReport): string {
  const header = ['runbook', 'verdict', 'RTO drillbook', 'RTO client', 'RTO target', 'RPO drillbook', 'RPO client', 'RPO target', 'audit events'];
  const rows = report.runs.map((run) => [
    run.runbook,
    `${run.state}/${run.verdict.toUpperCase()}`,
    ms(run.rtoMs),
    ms(run.clientRtoMs),
    ms(run.targets.rtoMs),
    ms(run.rpoMs),
    // The client's RPO is a count: acknowledged transfers missing afterwards (over the whole cycle).
    `${report.load.verified ? report.load.missingCommitted.length : '?'} lost`,
    ms(run.targets.rpoMs),
    `${run.auditEvents}, chain ${run.chainIntact ? 'intact' : 'BROKEN'}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const load = report.load;
  return [
    pad(header, widths),
    ...rows.map((row) => pad(row, widths)),
    '',
    'RTO drillbook: from the start of the step marked rto.start (fence) to the end of the one marked rto.end',
    '  (a write through the traffic switch committed at the new primary), from the runs row in the audit trail.',
    'RTO client: the load generator\'s longest window with no acknowledged write during that run.',
    'RPO drillbook: 0 when the new primary had replayed all WAL of the old one before promotion (rpo.measure).',
    'RPO client: acknowledged transfers missing afterwards.',
    '',
    `load generator: ${load.committed} transfers acknowledged, ${load.failedNoAnswer} sent without answer ` +
      `(${load.noAnswerButCommitted} of them committed after all), ${load.rejected} refused; ` +
      `${report.missingAfterFailback.length} acknowledged transfer(s) missing from site A after the failback`,
    `lab: ${report.topology.initialTopology ? 'back in its initial topology (A primary, B streaming standby, traffic on A)' : 'NOT in its initial topology'}`,
  ].join('\n');
}
