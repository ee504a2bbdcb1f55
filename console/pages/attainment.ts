/** Attainment: RTO/RPO achieved per run against the inventory's targets, as a chart per service, and the trend per half-year. */
import { html } from '../html.js';
import { showMs, type ChartRun } from '../parts/chart-geometry.js';
import { Downloads } from '../parts/downloads.js';
import { Problem } from '../parts/problem.js';
import { TrendChart } from '../parts/trend-chart.js';
import { useGet } from '../parts/use-get.js';
import { addPage, href, navigate, useQuery } from '../router.js';

interface Row {
  service: string; runId: string; period: string; drillType: string; endedAt: string; verdict: string | null;
  rtoTargetMs: number; rtoMs: number | null; rto: string; rpoTargetMs: number; rpoMs: number | null; rpo: string;
}
interface Trend {
  service: string; period: string; runs: number; rtoMeasured: number; rtoMissed: number; worstRtoMs: number | null;
  rpoMeasured: number; rpoMissed: number; worstRpoMs: number | null;
}
interface Attainment { from: string; to: string; rows: Row[]; trend: Trend[] }

function AttainmentPage() {
  const { data, error } = useGet<Attainment>('/api/reports/attainment');
  const services = [...new Set((data?.rows ?? []).map((r) => r.service))].sort();
  const service = useQuery().get('service') ?? services[0];
  const rows = (data?.rows ?? []).filter((r) => r.service === service);
  const trend = (data?.trend ?? []).filter((t) => t.service === service);
  const rto: ChartRun[] = rows.map((r) => ({ runId: r.runId, endedAt: r.endedAt, valueMs: r.rtoMs, targetMs: r.rtoTargetMs, attainment: r.rto }));
  const rpo: ChartRun[] = rows.map((r) => ({ runId: r.runId, endedAt: r.endedAt, valueMs: r.rpoMs, targetMs: r.rpoTargetMs, attainment: r.rpo }));
  return html`<div>
    <h1>RTO/RPO attainment</h1>
    <p class="hint">Achieved figures are computed from each run's marked steps; targets are the inventory's. <a href=${href('/coverage')}>Coverage</a></p>
    <${Problem} error=${error} what="attainment" />
    ${!data && !error ? html`<p class="loading">Loading…</p>` : null}
    ${data && !services.length ? html`<p>No run of an inventory service ended between ${data.from.slice(0, 10)} and ${data.to.slice(0, 10)}.</p>` : null}
    ${data && service
      ? html`<div>
          <form role="search" class="filters" onSubmit=${(e: Event) => e.preventDefault()}>
            <label>Service
              <select value=${service} onChange=${(e: Event) => navigate(`/attainment?service=${encodeURIComponent((e.target as HTMLSelectElement).value)}`)}>
                ${services.map((s) => html`<option value=${s}>${s}</option>`)}
              </select>
            </label>
          </form>
          <${Downloads} path="/api/reports/attainment/download" query=${{ from: data.from, to: data.to }} />
          <h2>RTO of ${service}</h2>
          <${TrendChart} runs=${rto} label=${`RTO of ${service}`} />
          <h2>RPO of ${service}</h2>
          <${TrendChart} runs=${rpo} label=${`RPO of ${service}`} />
          <h2>Trend per half-year</h2>
          <table data-testid="attainment-trend">
            <thead><tr><th scope="col">period</th><th scope="col">runs</th><th scope="col">RTO measured</th><th scope="col">RTO missed</th><th scope="col">worst RTO</th>
              <th scope="col">RPO measured</th><th scope="col">RPO missed</th><th scope="col">worst RPO</th></tr></thead>
            <tbody>${trend.map((t) => html`<tr>
              <th scope="row">${t.period}</th><td>${t.runs}</td><td>${t.rtoMeasured}</td><td class=${t.rtoMissed ? 'bad' : ''}>${t.rtoMissed}</td><td>${showMs(t.worstRtoMs)}</td>
              <td>${t.rpoMeasured}</td><td class=${t.rpoMissed ? 'bad' : ''}>${t.rpoMissed}</td><td>${showMs(t.worstRpoMs)}</td>
            </tr>`)}</tbody>
          </table>
          <h2>Runs</h2>
          <table>
            <thead><tr><th scope="col">run</th><th scope="col">ended</th><th scope="col">type</th><th scope="col">verdict</th><th scope="col">RTO (target)</th><th scope="col">RPO (target)</th></tr></thead>
            <tbody>${[...rows].reverse().map((r) => html`<tr>
              <td><a href=${href(`/runs/${encodeURIComponent(r.runId)}/dossier`)}>${r.runId}</a></td><td>${r.endedAt.slice(0, 16).replace('T', ' ')}</td><td>${r.drillType}</td>
              <td><span class=${`state verdict-${r.verdict ?? 'none'}`}>${r.verdict ?? '—'}</span></td>
              <td class=${`att-${r.rto.replace(/ /g, '-')}`}>${showMs(r.rtoMs)} (${showMs(r.rtoTargetMs)}) ${r.rto}</td>
              <td class=${`att-${r.rpo.replace(/ /g, '-')}`}>${showMs(r.rpoMs)} (${showMs(r.rpoTargetMs)}) ${r.rpo}</td>
            </tr>`)}</tbody>
          </table>
        </div>`
      : null}
  </div>`;
}

addPage({ path: '/attainment', title: 'Attainment', render: () => html`<${AttainmentPage} />` });
