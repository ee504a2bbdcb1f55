/** HTML of each report: plain template functions, every value escaped. Print-friendly (the PDF is this page). */
import type { AttainmentReport } from '../attainment-report';
import { runbookChangeText, type CoverageMatrix } from '../coverage-report';
import type { Dossier } from '../dossier';
import type { FindingsReport } from '../findings-report';
import type { IntegrityAttestation } from '../integrity-report';
import { formatMs } from '../measures';
import { esc } from './escape';
import { ganttSvg } from './gantt';

const STYLE = `body{font-family:sans-serif;font-size:12px;margin:24px}table{border-collapse:collapse;margin:8px 0 16px}
td,th{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}th{background:#eee}
.miss,.overdue,.bad{color:#b71c1c;font-weight:bold}.ok{color:#1b5e20}h2{margin-top:24px;border-bottom:1px solid #999}`;

export function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${esc(title)}</h1>${body}</body></html>\n`;
}

export function table(header: string[], rows: string[][], rowClass?: (i: number) => string): string {
  return `<table><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r, i) => `<tr${rowClass?.(i) ? ` class="${rowClass(i)}"` : ''}>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

const yes = (b: boolean) => (b ? 'yes' : 'no');

export function coverageHtml(r: CoverageMatrix): string {
  const t = r.totals;
  return page(`Drill coverage ${r.period}`, `<p>As of ${esc(r.asOf)}: ${t.drilled}/${t.services} services drilled, ${t.writeTested} write-tested, <span class="overdue">${t.overdue} overdue</span>, ${t.changedSinceDrill} changed since their last drill, <span class="bad">${t.changedSinceLastPass} with a runbook changed since its last passing drill</span>.</p>` +
    table(['service', 'criticality', 'owner', 'drilled', 'drills', 'drill types', 'write-tested', 'status', 'changed since drill', 'changed since last pass', 'last drill'],
      r.services.map((s) => [esc(s.service), esc(s.criticality), esc(s.owner), yes(s.drilled), String(s.drills), esc(s.drillTypes.join(', ')), yes(s.writeTested),
        s.overdue ? '<span class="overdue">overdue</span>' : esc(s.status), yes(s.changedSinceDrill),
        s.changedSinceLastPass ? `<span class="bad">yes</span>: ${s.runbookChanges.map((c) => esc(runbookChangeText(c))).join('<br>')}` : 'no', esc(s.lastDrill ?? '')]),
      (i) => (r.services[i].overdue ? 'overdue' : '')));
}

export function attainmentHtml(r: AttainmentReport): string {
  const cls = (a: string) => (a === 'missed' ? 'miss' : a === 'met' ? 'ok' : '');
  return page(`RTO/RPO attainment ${r.from.slice(0, 10)} to ${r.to.slice(0, 10)}`, '<h2>Trend by half-year</h2>' +
    table(['service', 'period', 'runs', 'RTO measured', 'RTO missed', 'worst RTO', 'RPO measured', 'RPO missed', 'worst RPO'],
      r.trend.map((t) => [esc(t.service), esc(t.period), String(t.runs), String(t.rtoMeasured), t.rtoMissed ? `<span class="miss">${t.rtoMissed}</span>` : '0', esc(formatMs(t.worstRtoMs)),
        String(t.rpoMeasured), t.rpoMissed ? `<span class="miss">${t.rpoMissed}</span>` : '0', esc(formatMs(t.worstRpoMs))])) +
    '<h2>Runs</h2>' +
    table(['service', 'run', 'period', 'type', 'ended', 'verdict', 'RTO target', 'RTO achieved', 'RTO', 'RPO target', 'RPO achieved', 'RPO'],
      r.rows.map((x) => [esc(x.service), esc(x.runId), esc(x.period), esc(x.drillType), esc(x.endedAt), esc(x.verdict ?? ''), esc(formatMs(x.rtoTargetMs)), esc(formatMs(x.rtoMs)),
        `<span class="${cls(x.rto)}">${esc(x.rto)}</span>`, esc(formatMs(x.rpoTargetMs)), esc(formatMs(x.rpoMs)), `<span class="${cls(x.rpo)}">${esc(x.rpo)}</span>`])));
}

export function findingsHtml(r: FindingsReport): string {
  const t = r.totals;
  return page(`Findings and remediation as of ${r.asOf.slice(0, 10)}`, `<p>${t.findings} findings: ${t.open} open, ${t.riskAccepted} risk-accepted, ${t.closed} closed. ${t.openActions} open actions, <span class="overdue">${t.overdueActions} overdue</span>. Risk acceptances: ${t.activeAcceptances} active, ${t.expiredAcceptances} expired.</p>` +
    '<h2>Findings</h2>' + table(['finding', 'severity', 'category', 'title', 'status', 'run', 'step', 'raised', 'age (days)'],
      r.findings.map((f) => [esc(f.findingId), esc(f.severity), esc(f.category), esc(f.title), esc(f.status), esc(f.runId ?? ''), esc(f.stepId ?? ''), esc(f.raisedAt.toISOString().slice(0, 10)), String(f.ageDays)])) +
    '<h2>Actions</h2>' + table(['action', 'finding', 'owner', 'due', 'status', 'overdue (days)', 'age (days)', 'closing evidence', 'retest run'],
      r.actions.map((a) => [esc(a.actionId), esc(a.findingId), esc(a.owner), esc(a.dueDate), esc(a.status), a.overdue ? `<span class="overdue">${a.daysOverdue}</span>` : '', String(a.ageDays), esc(a.closingEvidence ?? ''), esc(a.retestRunId ?? '')]),
      (i) => (r.actions[i].overdue ? 'overdue' : '')) +
    '<h2>Risk acceptances</h2>' + table(['finding', 'approver', 'rationale', 'expires', 'state'],
      r.acceptances.map((a) => [esc(a.findingId), esc(a.approver), esc(a.rationale), esc(a.expiresAt.toISOString()), a.expired ? '<span class="bad">expired</span>' : 'active'])));
}

export function integrityHtml(r: IntegrityAttestation): string {
  const v = r.verification;
  const b = v.firstBreak;
  return page(`Integrity attestation ${r.period}`, `<p>Generated ${esc(r.generatedAt)}.</p>` +
    `<p class="${v.ok ? 'ok' : 'bad'}">${v.ok ? `Audit trail intact: ${v.events} events in ${v.chains} chains verified.` : `Audit trail BROKEN at chain ${esc(b?.chainId)} seq ${esc(b?.seq)} (run ${esc(b?.runId ?? '-')}): ${esc(b?.reason)}`}</p>` +
    `<p class="${r.runsProjection.ok ? 'ok' : 'bad'}">${r.runsProjection.ok ? `All ${r.runsProjection.runs} runs rows agree with their chains.` : `Runs rows that DISAGREE with their chains: ${r.runsProjection.mismatches.map((m) => `${esc(m.runId)} (${esc(m.differences.join('; '))})`).join(', ')}`}</p>` +
    `<p class="${r.stepResults.ok ? 'ok' : 'bad'}">${r.stepResults.ok ? `All ${r.stepResults.rows} step_results rows agree with their chains.` : `Step rows that DISAGREE with their chains: ${r.stepResults.mismatches.map((m) => `${esc(m.runId)} step ${esc(m.stepId)} #${m.execution} (${esc(m.differences.join('; '))})`).join(', ')}`}</p>` +
    `<p>Runs started in the period: ${r.runsInPeriod}; audit events in the period: ${r.eventsInPeriod}.</p><h2>Checkpoints taken in the period</h2>` +
    table(['taken at', 'digest (sha256)', 'chains', 'events', 'by'], r.checkpoints.map((c) => [esc(c.takenAt), `<code>${esc(c.digest)}</code>`, String(c.chains), String(c.events), esc(c.by)])));
}

/** The dossier's "What changed since the last drill" section. */
function sinceLastDrillHtml(x: Dossier['sinceLastDrill']): string {
  const p = x.previous;
  const outcome = x.outcome === 'first drill' ? 'First drill of this runbook.' : x.outcome === 'no change' ? 'No change: the same plan hash as the last drill.' : `Changed since the last drill: ${x.changes.length} change${x.changes.length === 1 ? '' : 's'}.`;
  return '<h2>What changed since the last drill</h2>' + table(['field', 'value'], [
    ['Runbook', `${esc(x.runbook)} ${esc(x.version)}`], ['Plan hash', `<code>${esc(x.planHash)}</code>`],
    ['Last drill', p ? `run ${esc(p.runId)}, ${esc(x.runbook)} ${esc(p.version)}, started ${esc(p.startedAt)}, ended ${esc(p.endedAt)} (${esc(p.status)}, verdict ${esc(p.verdict ?? 'none')})` : 'none'],
    ...(p ? [['Its plan hash', `<code>${esc(p.planHash)}</code>`]] : []),
    ['Outcome', `<strong data-since-last-drill="${esc(x.outcome)}">${esc(outcome)}</strong>`],
  ]) +
    (x.trail.ok ? '' : `<p class="bad">The pinned plans disagree with the audit trail: ${esc(x.trail.problems.join('; '))}</p>`) +
    (x.changes.length ? table(['what', 'item', 'change'], x.changes.map((c) => [esc(c.what), esc(c.item), esc(c.detail)])) : '');
}

export function dossierHtml(d: Dossier): string {
  const s = d.summary;
  const o = d.objectives;
  const obj = (name: string, x: Dossier['objectives']['rto']) =>
    [esc(name), esc(formatMs(x.targetMs)), esc(formatMs(x.achievedMs)), `<span class="${x.attainment === 'missed' ? 'miss' : x.attainment === 'met' ? 'ok' : ''}">${esc(x.attainment)}</span>`];
  return page(`Drill dossier: run ${d.runId}`,
    '<h2>Summary</h2>' + table(['field', 'value'], [
      ['Run', esc(d.runId)], ['Runbook', `${esc(s.runbook)} ${esc(s.version)}`], ['Plan hash', `<code>${esc(s.planHash)}</code>`], ['Type', esc(s.drillType)],
      ['Period', esc(s.period)], ['Scenario', esc(s.scenario)], ['Reason', esc(s.reason)], ['Initiator', esc(s.initiator)], ['Started', esc(s.startedAt)],
      ['Ended', esc(s.endedAt ?? 'not ended')], ['Status', esc(s.status)], ['Outcome', `<strong>${esc(s.outcome)}</strong>`],
      ['Transaction classes tested', esc(d.transactionClasses.join(', ') || 'none')],
    ]) +
    '<h2>Scope</h2>' + table(['service', 'criticality', 'critical', 'in inventory'], d.scope.map((x) => [esc(x.service), esc(x.criticality ?? '-'), yes(x.critical), yes(x.inInventory)])) +
    '<h2>RTO / RPO</h2><p>Achieved figures are computed from the marked steps (rto.start, rto.end, rpo.measure); targets come from the inventory.</p>' +
    table(['objective', 'target', 'achieved', 'attainment'], [obj('RTO', o.rto), obj('RPO', o.rpo)]) +
    (o.disagreements.length ? `<p class="bad">Runbook objectives disagree with the inventory: ${esc(o.disagreements.join('; '))}</p>` : '') +
    sinceLastDrillHtml(d.sinceLastDrill) +
    '<h2>Timeline</h2>' + ganttSvg(d.timeline) +
    table(['step', 'kind', 'execution', 'status', 'attempts', 'started', 'ended', 'duration', 'marks'],
      d.timeline.map((t) => [esc(t.stepId), esc(t.kind), String(t.execution), esc(t.status), String(t.attempts), esc(t.startedAt ?? ''), esc(t.endedAt ?? ''), esc(formatMs(t.durationMs)), esc(t.marks.join(', '))])) +
    '<h2>Planned steps</h2>' + table(['step', 'title', 'kind', 'marks'], d.plannedSteps.map((p) => [esc(p.stepId), esc(p.title), esc(p.kind), esc(p.marks.join(', '))])) +
    '<h2>Participants</h2>' + table(['name', 'roles'], d.participants.map((p) => [esc(p.name), esc(p.roles.join(', '))])) +
    '<h2>Approvals</h2>' + table(['step', 'approver', 'at'], d.approvals.map((a) => [esc(a.stepId ?? ''), esc(a.actor), esc(a.at)])) +
    '<h2>Deviations</h2>' + table(['kind', 'step', 'detail', 'at'], d.deviations.map((x) => [esc(x.kind), esc(x.stepId ?? ''), esc(x.detail), esc(x.at ?? '')])) +
    '<h2>Checks</h2>' + table(['step', 'title', 'phase', 'result'], d.checks.map((c) => [esc(c.stepId), esc(c.title), esc(c.phase), c.status === 'completed' ? '<span class="ok">passed</span>' : `<span class="bad">${esc(c.status)}</span>`])) +
    '<h2>Integrity</h2>' + `<p class="${d.integrity.ok ? 'ok' : 'bad'}">${d.integrity.ok ? `Run chain intact: ${d.integrity.events} events verified.` : `Run chain BROKEN at seq ${esc(d.integrity.firstBreak?.seq)}: ${esc(d.integrity.firstBreak?.reason)}`}</p>` +
    '<h2>Findings</h2>' + table(['finding', 'severity', 'step', 'title', 'status'], d.findings.map((f) => [esc(f.findingId), esc(f.severity), esc(f.stepId ?? ''), esc(f.title), esc(f.status)])) +
    '<h2>Sign-offs</h2>' + table(['role', 'signer', 'at', 'comment'], d.signoffs.map((x) => [esc(x.role), esc(x.signer), esc(x.signedAt.toISOString()), esc(x.comment ?? '')])) +
    (d.missingSignoffs.length ? `<p class="bad">Missing sign-offs: ${esc(d.missingSignoffs.join(', '))}</p>` : '') +
    '<h2>Evidence index</h2>' + table(['item', 'kind', 'sha256'], d.evidence.map((e) => [esc(e.item), esc(e.kind), `<code>${esc(e.sha256)}</code>`])));
}
