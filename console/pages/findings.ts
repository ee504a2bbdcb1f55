/** Findings: every finding with its age, the remediation actions (open, overdue by how many days), the risk acceptances. */
import { html } from '../html.js';
import { Downloads } from '../parts/downloads.js';
import { Problem } from '../parts/problem.js';
import { useGet } from '../parts/use-get.js';
import { addPage, href } from '../router.js';

interface Finding { findingId: string; runId: string | null; stepId: string | null; severity: string; category: string; title: string; status: string; raisedAt: string; ageDays: number; recordedBy: string }
interface Action { actionId: string; findingId: string; description: string; owner: string; dueDate: string; status: string; ageDays: number; overdue: boolean; daysOverdue: number }
interface Acceptance { findingId: string; approver: string; rationale: string; expiresAt: string; expired: boolean }
interface Report {
  asOf: string; findings: Finding[]; actions: Action[]; acceptances: Acceptance[];
  totals: { findings: number; open: number; riskAccepted: number; closed: number; openActions: number; overdueActions: number; activeAcceptances: number; expiredAcceptances: number };
}

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low'];

function FindingsPage() {
  const { data, error } = useGet<Report>('/api/reports/findings');
  const findings = [...(data?.findings ?? [])].sort(
    (a, b) => Number(a.status !== 'open') - Number(b.status !== 'open') || SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) || b.ageDays - a.ageDays,
  );
  const actions = [...(data?.actions ?? [])].sort((a, b) => b.daysOverdue - a.daysOverdue || a.dueDate.localeCompare(b.dueDate));
  return html`<div>
    <h1>Findings</h1>
    <${Problem} error=${error} what="findings" />
    ${!data && !error ? html`<p class="loading">Loading…</p>` : null}
    ${data
      ? html`<div data-testid="findings-page">
          <${Downloads} path="/api/reports/findings/download" query=${{ asOf: data.asOf }} />
          <p class=${data.totals.overdueActions ? 'notice' : 'hint'}>As of ${data.asOf.slice(0, 10)}: ${data.totals.open} open, ${data.totals.riskAccepted} risk-accepted, ${data.totals.closed} closed;
            ${data.totals.openActions} open action${data.totals.openActions === 1 ? '' : 's'}, ${data.totals.overdueActions} overdue; ${data.totals.activeAcceptances} active risk acceptance${data.totals.activeAcceptances === 1 ? '' : 's'}, ${data.totals.expiredAcceptances} expired.</p>
          <h2>Findings</h2>
          ${findings.length ? html`<table data-testid="findings">
            <thead><tr><th scope="col">finding</th><th scope="col">severity</th><th scope="col">status</th><th scope="col">title</th><th scope="col">run</th><th scope="col">raised</th><th scope="col">age (days)</th></tr></thead>
            <tbody>${findings.map((f) => html`<tr>
              <th scope="row">${f.findingId}</th><td><span class=${`severity severity-${f.severity}`}>${f.severity}</span></td><td>${f.status}</td><td>${f.title}</td>
              <td>${f.runId ? html`<a href=${href(`/runs/${encodeURIComponent(f.runId)}/dossier`)}>${f.runId}</a>${f.stepId ? ` · ${f.stepId}` : ''}` : '—'}</td>
              <td>${f.raisedAt.slice(0, 10)} by ${f.recordedBy}</td><td class=${f.status === 'open' && f.ageDays > 90 ? 'bad' : ''}>${f.ageDays}</td>
            </tr>`)}</tbody>
          </table>` : html`<p>No findings.</p>`}
          <h2>Remediation actions</h2>
          ${actions.length ? html`<table>
            <thead><tr><th scope="col">action</th><th scope="col">finding</th><th scope="col">owner</th><th scope="col">due</th><th scope="col">status</th><th scope="col">age (days)</th><th scope="col">overdue</th></tr></thead>
            <tbody>${actions.map((a) => html`<tr class=${a.overdue ? 'gap' : ''}>
              <th scope="row">${a.actionId}</th><td>${a.findingId}</td><td>${a.owner}</td><td>${a.dueDate}</td><td>${a.status}</td><td>${a.ageDays}</td>
              <td>${a.overdue ? html`<span class="bad">${a.daysOverdue} days</span>` : '—'}</td>
            </tr>`)}</tbody>
          </table>` : html`<p>No remediation actions.</p>`}
          <h2>Risk acceptances</h2>
          ${data.acceptances.length ? html`<table>
            <thead><tr><th scope="col">finding</th><th scope="col">approver</th><th scope="col">rationale</th><th scope="col">expires</th></tr></thead>
            <tbody>${data.acceptances.map((a) => html`<tr>
              <th scope="row">${a.findingId}</th><td>${a.approver}</td><td>${a.rationale}</td><td class=${a.expired ? 'bad' : ''}>${a.expiresAt.slice(0, 10)}${a.expired ? ' (expired)' : ''}</td>
            </tr>`)}</tbody>
          </table>` : html`<p>No risk acceptances.</p>`}
          <p class="hint">Findings are raised, revised and accepted with <code>drillbook finding …</code> (docs/auditors.md).</p>
        </div>`
      : null}
  </div>`;
}

addPage({ path: '/findings', title: 'Findings', nav: 'Findings', order: 40, render: () => html`<${FindingsPage} />` });
