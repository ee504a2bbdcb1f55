/**
 * Campaigns: one opened by its id (there is no list of campaigns; the runs list links them), then its
 * phases in order — state, run (the run's page), duration, RTO and RPO against the targets, figures,
 * verdict — read again every few seconds while it runs, and its dossier's downloads.
 */
import { useEffect } from 'preact/hooks';
import { html } from '../html.js';
import { dateTime, duration, State } from '../parts/format.js';
import { Downloads } from '../parts/downloads.js';
import { Problem } from '../parts/problem.js';
import { useGet } from '../parts/use-get.js';
import { addPage, href, navigate } from '../router.js';
import type { CampaignPhase, CampaignView } from '../types.js';

/** How often a running campaign is read again. */
const POLL_MS = 2000;
const ENDED = new Set(['completed', 'aborted']);

function OpenCampaign({ value = '' }: { value?: string }) {
  function open(event: Event) {
    event.preventDefault();
    const id = String(new FormData(event.currentTarget as HTMLFormElement).get('campaignId') ?? '').trim();
    if (id) navigate(`/campaigns/${encodeURIComponent(id)}`);
  }
  return html`<form class="inline-form" role="search" aria-label="open a campaign" onSubmit=${open}>
    <div><label for="campaign-id">Open a campaign by id</label><input id="campaign-id" name="campaignId" type="text" value=${value} placeholder="campaign-<name>-<8 hex>" autocomplete="off" /></div>
    <button type="submit">Open</button>
  </form>`;
}

function CampaignsPage() {
  return html`<section data-testid="campaigns-page">
    <h1>Campaigns</h1>
    <p class="hint">A campaign's id is in the runs list (its row links here) and in what <code>drillbook campaign start</code> printed.</p>
    <${OpenCampaign} />
  </section>`;
}

function measured(ms: number | undefined, target: number | undefined, met: boolean | undefined) {
  if (ms === undefined && target === undefined) return html`<span class="muted">—</span>`;
  return html`<span class=${met === false ? 'bad' : met === true ? 'att-met' : ''}>${duration(ms)}</span>${target !== undefined ? html` <span class="muted">of ${duration(target)}</span>` : null}${met === false ? ' (missed)' : met === true ? ' (met)' : ''}`;
}

function Figures({ figures }: { figures: Record<string, unknown> | undefined }) {
  const entries = Object.entries(figures ?? {});
  if (!entries.length) return html`<span class="muted">—</span>`;
  return html`<dl class="facts">${entries.map(([k, v]) => html`<dt>${k}</dt><dd><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></dd>`)}</dl>`;
}

function PhaseRow({ p, n }: { p: CampaignPhase; n: number }) {
  return html`<tr data-phase=${p.id} data-state=${p.state}>
    <td>${n}</td>
    <td>${p.title}<br /><code class="muted">${p.id}</code> <span class="muted">${p.runbook} · ${p.mode}</span></td>
    <td><${State} state=${p.state} />${p.execution > 1 ? html` <span class="muted">run ${p.execution}</span>` : null}</td>
    <td>${p.runId ? html`<a href=${href(`/runs/${encodeURIComponent(p.runId)}`)} data-testid="phase-run">${p.runId}</a>` : html`<span class="muted">not started</span>`}</td>
    <td>${duration(p.durationMs)}</td>
    <td>${measured(p.rtoMs, p.targets?.rtoMs, p.rtoMet)}</td>
    <td>${measured(p.rpoMs, p.targets?.rpoMs, p.rpoMet)}</td>
    <td><${Figures} figures=${p.figures} /></td>
    <td>${p.verdict ? html`<span class=${`verdict-${p.verdict}`}>${p.verdict}</span>` : '—'}${p.error ? html`<br /><span class="problem-message">${p.error}</span>` : p.skipReason ? html`<br /><span class="muted">${p.skipReason}</span>` : null}</td>
  </tr>`;
}

function CampaignPage({ campaignId }: { campaignId: string }) {
  const path = `/api/campaigns/${encodeURIComponent(campaignId)}`;
  const { data, error, reload } = useGet<CampaignView>(path);
  const c = data?.campaign;
  const running = Boolean(c && !ENDED.has(c.state));
  useEffect(() => {
    if (!running) return undefined;
    const timer = setInterval(reload, POLL_MS);
    return () => clearInterval(timer);
  }, [running, reload]);

  return html`<section data-testid="campaign" data-state=${c?.state}>
    <p><a href=${href('/runs')}>← Runs</a></p>
    <${OpenCampaign} value=${campaignId} />
    <${Problem} error=${error} what="this campaign" />
    ${!c
      ? error ? null : html`<h1>Campaign <code>${campaignId}</code></h1><p class="muted">Loading…</p>`
      : html`<div class="inline-form">
          <h1>${c.campaign} <span class="muted">campaign</span></h1>
          <${State} state=${c.state} />
          ${c.verdict ? html`<span class=${`state verdict-${c.verdict}`} data-testid="campaign-verdict">verdict ${c.verdict}</span>` : null}
          <span class="live" data-testid="campaign-live">${running ? `read every ${POLL_MS / 1000} s` : 'ended'}</span>
        </div>
        <dl class="facts">
          <dt>Campaign</dt><dd><code>${c.campaignId}</code></dd>
          <dt>Started</dt><dd>${dateTime(c.startedAt)} by ${c.initiator}</dd>
          ${c.endedAt ? html`<dt>Ended</dt><dd>${dateTime(c.endedAt)}</dd>` : null}
          <dt>Took</dt><dd>${duration(c.durationMs)}</dd>
          <dt>Hash</dt><dd><code class="hash">${c.campaignHash}</code></dd>
        </dl>
        ${c.awaitingDecision ? html`<p class="notice" data-testid="awaiting-decision">Phase <code>${c.awaitingDecision.phaseId}</code> failed (${c.awaitingDecision.error}): waiting since ${dateTime(c.awaitingDecision.since)} for a decision — <code>drillbook campaign decide</code>.</p>` : null}
        <h2>Phases</h2>
        <div class="table-wrap"><table data-testid="phases">
          <thead><tr><th>#</th><th>Phase</th><th>State</th><th>Run</th><th>Took</th><th>RTO (target)</th><th>RPO (target)</th><th>Figures</th><th>Verdict</th></tr></thead>
          <tbody>${c.phases.map((p, i) => html`<${PhaseRow} key=${p.id} p=${p} n=${i + 1} />`)}</tbody>
        </table></div>
        <h2>Dossier</h2>
        <p class="hint">The campaign's dossier: its phases' figures against the targets and each phase's run dossier.</p>
        <${Downloads} path=${`${path}/dossier/download`} formats=${['pdf', 'html', 'json']} />`}
  </section>`;
}

addPage({ path: '/campaigns', title: 'Campaigns', nav: 'Campaigns', order: 12, render: () => html`<${CampaignsPage} />` });
addPage({ path: '/campaigns/:campaignId', title: 'Campaign', render: (p) => html`<${CampaignPage} key=${p.campaignId} campaignId=${p.campaignId} />` });
