/**
 * The demo's closing report: per phase of the campaign, drillbook's RTO/RPO next to the client's and
 * the targets; the totals; the DR capacity against the primary's peak; the campaign's verdict.
 */
import type { CycleReport, CycleRunOutcome } from './drill-cycle';

function ms(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${Math.round(value)} ms`;
}

function pad(cells: string[], widths: number[]): string {
  return cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
}

/** The sum of the measured values; null when none was measured. */
function sum(values: Array<number | null>): number | null {
  const measured = values.filter((v): v is number => v !== null);
  return measured.length ? measured.reduce((a, b) => a + b, 0) : null;
}

export function formatCycleReport(report: CycleReport): string {
  const header = ['phase', 'runbook', 'verdict', 'duration', 'RTO drillbook', 'RTO client', 'RTO target', 'RPO drillbook', 'RPO client', 'RPO target', 'audit events'];
  // The client's RPO is a count: acknowledged transfers missing afterwards (over the whole cycle).
  const lost = `${report.load.verified ? report.load.missingCommitted.length : '?'} lost`;
  const chain = (events: number, intact: boolean) => `${events}, chain ${intact ? 'intact' : 'BROKEN'}`;
  const target = (run: CycleRunOutcome, value: number | undefined) => (value === undefined ? 'n/a' : `${ms(value)} (${run.targetsFrom})`);
  const rows = report.runs.map((run) => [
    run.phase,
    run.runbook,
    `${run.state}/${(run.verdict ?? 'none').toUpperCase()}`,
    ms(run.durationMs),
    ms(run.rtoMs),
    ms(run.clientRtoMs),
    target(run, run.targets.rtoMs),
    ms(run.rpoMs),
    run.rpoMs === null ? 'n/a' : lost,
    target(run, run.targets.rpoMs),
    chain(run.auditEvents, run.chainIntact),
  ]);
  const c = report.campaign;
  const rpos = report.runs.map((r) => r.rpoMs).filter((v): v is number => v !== null);
  const total = [
    'total',
    c.name,
    `${c.state}/${(c.verdict ?? 'none').toUpperCase()}`,
    ms(c.durationMs),
    ms(sum(report.runs.map((r) => r.rtoMs))),
    // Over the phases with an outage (RTO marks), so that both totals add up the same windows.
    ms(sum(report.runs.filter((r) => r.rtoMs !== null).map((r) => r.clientRtoMs))),
    '',
    ms(rpos.length ? Math.max(...rpos) : null),
    lost,
    '',
    `${chain(c.auditEvents, c.chainIntact)} (campaign) + ${report.runs.reduce((n, r) => n + r.auditEvents, 0)} (phases)`,
  ];
  const widths = header.map((h, i) => Math.max(h.length, ...[...rows, total].map((r) => r[i].length)));
  const load = report.load;
  const cap = report.capacity;
  return [
    pad(header, widths),
    ...rows.map((row) => pad(row, widths)),
    pad(total, widths),
    '',
    'RTO drillbook: from the start of the step marked rto.start (fence) to the end of the one marked rto.end',
    '  (a write through the traffic switch committed at the new primary), from the runs row in the audit trail.',
    'RTO client: the load generator\'s longest window with no acknowledged write during that run\'s outage',
    '  (in a phase with no outage to measure, e.g. verify-capacity: during the whole run).',
    'RPO drillbook: 0 when the new primary had replayed all WAL of the old one before promotion (rpo.measure).',
    'RPO client: acknowledged transfers missing afterwards. Targets: the inventory\'s for the runbook\'s services, else the runbook\'s.',
    'total: the campaign\'s duration; RTO the sum of the phases\' outages (the phases with RTO marks); RPO the worst phase\'s.',
    '',
    cap
      ? `capacity ratio: ${cap.ratio === null ? 'n/a' : `${cap.ratio}x`} — site B (DR) allows ${cap.drMaxConnections} connections, site A's peak under the load generator was ` +
        `${cap.primaryPeakConnections}; required ${cap.requiredRatio ?? '?'}x: ${cap.covered ? 'covered' : `NOT covered${cap.problem ? ` (${cap.problem})` : ''}`}`
      : `capacity ratio: not measured (site A's peak under the load generator: ${report.primaryPeakConnections} connection(s))`,
    `load generator: ${load.committed} transfers acknowledged, ${load.failedNoAnswer} sent without answer ` +
      `(${load.noAnswerButCommitted} of them committed after all), ${load.rejected} refused; ` +
      `${report.missingAfterFailback.length} acknowledged transfer(s) missing from site A after the failback`,
    `lab: ${report.topology.initialTopology ? 'back in its initial topology (A primary, B streaming standby, traffic on A)' : 'NOT in its initial topology'}`,
    `campaign ${c.campaignId}: ${c.state}, verdict ${(c.verdict ?? 'none').toUpperCase()}`,
  ].join('\n');
}
