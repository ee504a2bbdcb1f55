/** Coverage: the half-year matrix — every inventory service drilled? by which drill types? write-tested? overdue? */
import { html } from '../html.js';
import { Downloads } from '../parts/downloads.js';
import { Problem } from '../parts/problem.js';
import { PeriodPicker, currentHalf } from '../parts/period.js';
import { useGet, withQuery } from '../parts/use-get.js';
import { addPage, href, useQuery } from '../router.js';

interface RunbookChange {
  runbook: string;
  lastPass: { runId: string; version: string; planHash: string; endedAt: string };
  current: { source: 'run' | 'registration'; ref: string; version: string; planHash: string; at: string };
}
interface CoverageRow {
  service: string; criticality: string; critical: boolean; owner: string; drilled: boolean; drills: number; drillTypes: string[];
  writeTested: boolean; status: string; overdue: boolean; changedSinceDrill: boolean; changedSinceLastPass: boolean; runbookChanges: RunbookChange[]; lastDrill: string | null;
}
interface Coverage {
  period: string; asOf: string; services: CoverageRow[];
  totals: { services: number; drilled: number; writeTested: number; overdue: number; changedSinceDrill: number; changedSinceLastPass: number };
}

/** "changed since last pass": the runbook ran or was registered in another version after its last passing drill. */
function ChangedSinceLastPass({ changes }: { changes: RunbookChange[] }) {
  const title = changes
    .map((c) => `${c.runbook}: passed as ${c.lastPass.version} (${c.lastPass.planHash.slice(0, 12)}) in ${c.lastPass.runId}; now ${c.current.version} (${c.current.planHash.slice(0, 12)}), ${c.current.source === 'run' ? `run ${c.current.ref}` : 'registered'} ${c.current.at}`)
    .join('\n');
  return html`<span class="state state-changed" title=${title} data-testid="changed-since-last-pass">changed since last pass</span>`;
}

const yes = (v: boolean, good = true) => html`<span class=${`mark ${v === good ? 'mark-good' : 'mark-bad'}`}>${v ? 'yes' : 'no'}</span>`;

function CoveragePage() {
  const period = useQuery().get('period') ?? currentHalf();
  const { data, error, loading } = useGet<Coverage>(withQuery('/api/reports/coverage', { period }));
  const critical = data?.services.filter((s) => s.critical) ?? [];
  const names = (rows: CoverageRow[]) => rows.map((s) => s.service).join(', ');
  const gaps = [
    ['Not drilled', critical.filter((s) => !s.drilled)],
    ['Not write-tested', critical.filter((s) => !s.writeTested)],
    ['Overdue', critical.filter((s) => s.overdue)],
    ['Runbook changed since its last passing drill', critical.filter((s) => s.changedSinceLastPass)],
  ] as const;
  const covered = gaps.every(([, rows]) => !rows.length);
  return html`<div>
    <h1>Coverage ${period}</h1>
    <${PeriodPicker} page="/coverage" period=${period} />
    <p><a href=${href('/attainment')}>RTO/RPO attainment</a></p>
    <${Problem} error=${error} what="coverage" />
    ${loading && !data ? html`<p class="loading">Loading…</p>` : null}
    ${data
      ? html`<div>
          <p class=${covered ? 'done' : 'notice'} data-testid="coverage-summary">
            ${`${critical.length} critical service${critical.length === 1 ? '' : 's'}: ${critical.filter((s) => s.drilled).length} drilled, ${critical.filter((s) => s.writeTested).length} write-tested, ${critical.filter((s) => s.overdue).length} overdue.`}
            ${covered ? ' Every critical service is drilled and write-tested.' : gaps.filter(([, rows]) => rows.length).map(([what, rows]) => ` ${what}: ${names(rows)}.`).join('')}
          </p>
          <${Downloads} path="/api/reports/coverage/download" query=${{ period }} />
          <p class="hint">Judged as of ${data.asOf}. A drill counts when it passed in mode drill or failover. ${data.totals.drilled} of ${data.totals.services} services drilled in the period.</p>
          <div class="table-wrap">
          <table class="matrix" data-testid="coverage-matrix">
            <caption class="sr-only">Coverage of ${data.period}, one row per service</caption>
            <thead><tr>
              <th scope="col">service</th><th scope="col">criticality</th><th scope="col">drilled</th><th scope="col">drills</th><th scope="col">drill types</th>
              <th scope="col">write tested</th><th scope="col">status</th><th scope="col">overdue</th><th scope="col">changed since drill</th><th scope="col">last drill</th>
            </tr></thead>
            <tbody>
              ${data.services.map((s) => html`<tr class=${s.critical && (!s.drilled || s.overdue) ? 'gap' : ''}>
                <th scope="row"><a href=${href(`/history/${encodeURIComponent(s.service)}`)}>${s.service}</a></th>
                <td>${s.criticality}</td>
                <td>${yes(s.drilled)}</td>
                <td>${s.drills}</td>
                <td>${s.drillTypes.join(', ') || '—'}</td>
                <td>${yes(s.writeTested)}</td>
                <td><span class=${`state state-${s.status}`}>${s.status}</span></td>
                <td>${yes(s.overdue, false)}</td>
                <td>${yes(s.changedSinceDrill, false)}${s.changedSinceLastPass ? html` <${ChangedSinceLastPass} changes=${s.runbookChanges} />` : null}</td>
                <td>${s.lastDrill ? html`<a href=${href(`/runs/${encodeURIComponent(s.lastDrill)}/dossier`)}>${s.lastDrill}</a>` : '—'}</td>
              </tr>`)}
            </tbody>
          </table>
          </div>
        </div>`
      : null}
  </div>`;
}

addPage({ path: '/coverage', title: 'Coverage', nav: 'Coverage', order: 30, render: () => html`<${CoveragePage} />` });
