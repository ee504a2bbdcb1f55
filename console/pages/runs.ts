/** Runs, live: every active run and the newest ended ones, those waiting for a person on top; filters in the address. */
import { html } from '../html.js';
import { campaignOfPhaseRun, isCampaignRow } from '../parts/campaign-ids.js';
import { duration, dateTime, State } from '../parts/format.js';
import { LiveBadge, useStream } from '../parts/live.js';
import { addPage, href, navigate, useQuery } from '../router.js';
import { Problem } from '../parts/problem.js';
import { hasRole, useSession } from '../session.js';
import type { RunListItem } from '../types.js';

const STATES = ['active', 'needs-human', 'running', 'paused', 'aborting', 'completed', 'failed', 'aborted', 'cancelled', 'terminated'];
const MODES = ['drill', 'failover', 'failback'];
const FILTERS = ['service', 'mode', 'state', 'initiator'] as const;

function whatWaits(run: RunListItem): string {
  if (run.ended) return '';
  if (run.awaitingDecision) return `decision on ${run.awaitingDecision.stepId} (operator)`;
  return run.waiting.map((w) => `${w.kind === 'approval' ? 'approval' : w.kind === 'manual' ? 'confirmation' : 'decision'}: ${w.title} (${w.role})`).join('; ');
}

/** A run links to its page; a campaign's row to the campaign's page; a phase's run to its campaign too. */
function runCell(r: RunListItem) {
  if (isCampaignRow(r)) return html`<a href=${href(`/campaigns/${encodeURIComponent(r.runId)}`)} data-testid="campaign-link">${r.runbook}</a> <span class="muted">campaign</span><br /><code class="muted">${r.runId}</code>`;
  const campaign = campaignOfPhaseRun(r.runId);
  return html`<a href=${href(`/runs/${encodeURIComponent(r.runId)}`)}>${r.runbook}</a>${campaign ? html` <span class="muted">phase of <a href=${href(`/campaigns/${encodeURIComponent(campaign)}`)}>its campaign</a></span>` : null}<br /><code class="muted">${r.runId}</code>`;
}

function RunsPage() {
  const session = useSession();
  const query = useQuery();
  const filters = new URLSearchParams();
  for (const name of FILTERS) {
    const value = query.get(name);
    if (value) filters.set(name, value);
  }
  const { data, live, problem } = useStream<{ runs: RunListItem[] }>(`/api/runs/stream${filters.size ? `?${filters}` : ''}`);

  function applyFilters(event: Event) {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const next = new URLSearchParams();
    for (const name of FILTERS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next.set(name, value);
    }
    navigate(`/runs${next.size ? `?${next}` : ''}`);
  }

  const runs = data?.runs;
  return html`<section>
    <div class="inline-form">
      <h1>Runs</h1>
      <${LiveBadge} live=${live} />
      ${hasRole(session, 'operator') ? html`<a class="button" href=${href('/start')}>Start a drill</a>` : null}
    </div>
    <form class="filters" onSubmit=${applyFilters} aria-label="filter runs">
      <div><label for="f-service">Service</label><input id="f-service" name="service" type="text" value=${query.get('service') ?? ''} /></div>
      <div><label for="f-mode">Mode</label>
        <select id="f-mode" name="mode"><option value="">any</option>${MODES.map((m) => html`<option value=${m} selected=${query.get('mode') === m}>${m}</option>`)}</select></div>
      <div><label for="f-state">State</label>
        <select id="f-state" name="state"><option value="">any</option>${STATES.map((s) => html`<option value=${s} selected=${query.get('state') === s}>${s}</option>`)}</select></div>
      <div><label for="f-initiator">Initiator</label><input id="f-initiator" name="initiator" type="text" value=${query.get('initiator') ?? ''} /></div>
      <button type="submit">Filter</button>
      ${filters.size ? html`<a href=${href('/runs')}>clear</a>` : null}
    </form>
    <${Problem} error=${problem} what="the runs list" />
    ${runs === undefined
      ? problem ? null : html`<p class="muted">Loading runs…</p>`
      : runs.length === 0
        ? html`<p>No runs match.</p>`
        : html`<table data-testid="runs">
            <thead><tr><th>Run</th><th>Mode</th><th>State</th><th>Waiting for</th><th>Initiator</th><th>Started</th><th>Verdict / RTO</th></tr></thead>
            <tbody>
              ${runs.map(
                (r) => html`<tr class=${r.needsHuman ? 'needs-human' : ''} data-run=${r.runId}>
                  <td>${runCell(r)}</td>
                  <td>${r.mode}</td>
                  <td><${State} state=${r.state} /></td>
                  <td>${whatWaits(r)}</td>
                  <td>${r.initiator}</td>
                  <td>${dateTime(r.startedAt)}</td>
                  <td>${r.verdict ? html`<span class=${`verdict-${r.verdict}`}>${r.verdict}</span>` : '—'} ${r.rtoMs !== null ? html`<span class="muted">RTO ${duration(r.rtoMs)}</span>` : null}</td>
                </tr>`,
              )}
            </tbody>
          </table>`}
  </section>`;
}

addPage({ path: '/runs', title: 'Runs', nav: 'Runs', order: 10, render: () => html`<${RunsPage} />` });
