/** A service's drill history: its runs newest first (paged), with its inventory entry. */
import { html } from '../html.js';
import { showMs } from '../parts/chart-geometry.js';
import { Problem } from '../parts/problem.js';
import { useGet, withQuery } from '../parts/use-get.js';
import { addPage, href, useQuery } from '../router.js';

interface HistoryRun {
  runId: string; runbookName: string; runbookVersion: string; mode: string; initiator: string; reason: string; status: string; verdict: string | null;
  startedAt: string; endedAt: string | null; rtoMs: number | null; rpoMs: number | null; durationMs: number | null;
}
interface History {
  service: string;
  inventory: { owner: string; criticality: string; critical: boolean; cadence: string; rtoMs: number; rpoMs: number } | null;
  runs: HistoryRun[];
  next: string | null;
}

function HistoryPage({ service }: { service: string }) {
  const before = useQuery().get('before') ?? undefined;
  const { data, error } = useGet<History>(withQuery('/api/history', { service, before }));
  const inv = data?.inventory;
  return html`<div>
    <h1>History of ${service}</h1>
    <${Problem} error=${error} what="history" />
    ${data
      ? html`<div>
          ${inv
            ? html`<dl class="facts">
                <dt>owner</dt><dd>${inv.owner}</dd><dt>criticality</dt><dd>${inv.criticality}</dd><dt>cadence</dt><dd>${inv.cadence}</dd>
                <dt>targets</dt><dd>RTO ${showMs(inv.rtoMs)}, RPO ${showMs(inv.rpoMs)}</dd>
              </dl>`
            : html`<p class="hint">The inventory does not list ${service}.</p>`}
          <p><a href=${href(`/attainment?service=${encodeURIComponent(service)}`)}>RTO/RPO attainment of ${service}</a></p>
          ${data.runs.length
            ? html`<table data-testid="history">
                <thead><tr><th scope="col">started</th><th scope="col">run</th><th scope="col">runbook</th><th scope="col">mode</th><th scope="col">state</th><th scope="col">verdict</th>
                  <th scope="col">RTO</th><th scope="col">RPO</th><th scope="col">by</th><th scope="col">dossier</th></tr></thead>
                <tbody>${data.runs.map((r) => html`<tr>
                  <td>${r.startedAt.slice(0, 16).replace('T', ' ')}</td>
                  <td><a href=${href(`/runs/${encodeURIComponent(r.runId)}`)}>${r.runId}</a></td>
                  <td>${r.runbookName} ${r.runbookVersion}</td><td>${r.mode}</td>
                  <td><span class=${`state state-${r.status}`}>${r.status}</span></td>
                  <td>${r.verdict ? html`<span class=${`state verdict-${r.verdict}`}>${r.verdict}</span>` : '—'}</td>
                  <td>${showMs(r.rtoMs)}</td><td>${showMs(r.rpoMs)}</td><td>${r.initiator}</td>
                  <td><a href=${href(`/runs/${encodeURIComponent(r.runId)}/dossier`)}>dossier</a></td>
                </tr>`)}</tbody>
              </table>`
            : html`<p>No runs${before ? ' before this page' : ''}.</p>`}
          <p>
            ${before ? html`<a href=${href(`/history/${encodeURIComponent(service)}`)}>Newest runs</a> ` : null}
            ${data.next ? html`<a href=${href(`/history/${encodeURIComponent(service)}?before=${encodeURIComponent(data.next)}`)}>Older runs</a>` : null}
          </p>
        </div>`
      : error ? null : html`<p class="loading">Loading…</p>`}
  </div>`;
}

addPage({ path: '/history/:service', title: 'History', render: ({ service }) => html`<${HistoryPage} service=${service} />` });
