/** Programme: per service its status in the current period and its schedules; the coming drills (blackouts applied); the windows; what is overdue. */
import { html } from '../html.js';
import { showMs } from '../parts/chart-geometry.js';
import { Problem } from '../parts/problem.js';
import { useGet } from '../parts/use-get.js';
import { addPage, href } from '../router.js';

interface Programme {
  asOf: string; timeZone: string;
  services: { service: string; owner: string; criticality: string; cadence: string; period: string; rtoMs: number | null; rpoMs: number | null; status: string; deadline: string; daysLeft: number; dueSoon: boolean; lastDrill: string | null; changedSinceDrill: boolean; schedules: string[] }[];
  schedules: { scheduleId: string; service: string | null; runbook: string | null; version: string | null; mode: string | null; paused: boolean; note: string | null; nextActionTimes: string[] }[] | null;
  schedulesUnavailable: string | null;
  nextDrills: { scheduleId: string; service: string | null; at: string; deferredUntil: string | null; blackouts: string[] }[];
  blackouts: { name: string; kind: string; description: string; reason: string | null; services: string[] | null; inForce: { startsAt: string; endsAt: string } | null }[];
  overdue: { service: string; deadline: string; lastDrill: string | null }[];
  dueSoon: { service: string; deadline: string; daysLeft: number }[];
}

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

function ProgrammePage() {
  const { data: p, error } = useGet<Programme>('/api/programme');
  return html`<div>
    <h1>Programme</h1>
    <${Problem} error=${error} what="programme" />
    ${!p && !error ? html`<p class="loading">Loading…</p>` : null}
    ${p
      ? html`<div>
          <p class="hint">As of ${when(p.asOf)} UTC; the programme's time zone is ${p.timeZone}. Schedules come from the inventory in git (<code>drillbook schedule create</code>).</p>
          <section class="panel" data-testid="overdue">
            <h2>Overdue and due soon</h2>
            ${p.overdue.length ? html`<ul>${p.overdue.map((o) => html`<li class="bad"><a href=${href(`/history/${encodeURIComponent(o.service)}`)}>${o.service}</a>: overdue — not drilled in its previous period (last drill ${o.lastDrill ?? 'never'})</li>`)}</ul>` : html`<p>Nothing overdue.</p>`}
            ${p.dueSoon.length ? html`<ul>${p.dueSoon.map((o) => html`<li class="warn">${o.service}: due by ${when(o.deadline)} (${o.daysLeft} days left)</li>`)}</ul>` : null}
          </section>
          <section class="panel">
            <h2>Next drills</h2>
            ${p.schedulesUnavailable ? html`<p class="notice">${p.schedulesUnavailable}</p>` : null}
            ${p.nextDrills.length
              ? html`<table data-testid="next-drills"><thead><tr><th scope="col">when (UTC)</th><th scope="col">service</th><th scope="col">schedule</th><th scope="col">blackout</th></tr></thead>
                  <tbody>${p.nextDrills.map((d) => html`<tr>
                    <td>${when(d.at)}</td><td>${d.service ?? '—'}</td><td><code>${d.scheduleId}</code></td>
                    <td>${d.deferredUntil ? html`<span class="warn">waits until ${when(d.deferredUntil)} (${d.blackouts.join(', ')})</span>` : '—'}</td>
                  </tr>`)}</tbody></table>`
              : html`<p>No drill scheduled.</p>`}
          </section>
          <section class="panel">
            <h2>Services</h2>
            <table data-testid="programme-services"><thead><tr><th scope="col">service</th><th scope="col">criticality</th><th scope="col">cadence</th><th scope="col">targets</th><th scope="col">period</th><th scope="col">status</th><th scope="col">deadline</th><th scope="col">schedules</th></tr></thead>
              <tbody>${p.services.map((s) => html`<tr>
                <th scope="row"><a href=${href(`/history/${encodeURIComponent(s.service)}`)}>${s.service}</a></th><td>${s.criticality}</td><td>${s.cadence}</td>
                <td>RTO ${showMs(s.rtoMs)}, RPO ${showMs(s.rpoMs)}</td><td>${s.period}</td>
                <td><span class=${`state state-${s.status}`}>${s.status}</span>${s.dueSoon ? ' (due soon)' : ''}${s.changedSinceDrill ? ' (changed since drill)' : ''}</td>
                <td>${when(s.deadline)} (${s.daysLeft} d)</td><td>${s.schedules.length ? s.schedules.map((id) => html`<code>${id}</code> `) : 'none'}</td>
              </tr>`)}</tbody></table>
          </section>
          ${p.schedules
            ? html`<section class="panel">
                <h2>Schedules</h2>
                <table><thead><tr><th scope="col">schedule</th><th scope="col">service</th><th scope="col">runbook</th><th scope="col">mode</th><th scope="col">state</th><th scope="col">next</th></tr></thead>
                  <tbody>${p.schedules.map((s) => html`<tr>
                    <td><code>${s.scheduleId}</code></td><td>${s.service ?? '—'}</td><td>${s.runbook ? `${s.runbook} ${s.version}` : '—'}</td><td>${s.mode ?? '—'}</td>
                    <td>${s.paused ? html`<span class="warn">paused${s.note ? `: ${s.note}` : ''}</span>` : 'active'}</td><td>${s.nextActionTimes[0] ? when(s.nextActionTimes[0]) : '—'}</td>
                  </tr>`)}</tbody></table>
              </section>`
            : null}
          <section class="panel">
            <h2>Blackout windows</h2>
            ${p.blackouts.length
              ? html`<table data-testid="blackouts"><thead><tr><th scope="col">window</th><th scope="col">when</th><th scope="col">services</th><th scope="col">now</th></tr></thead>
                  <tbody>${p.blackouts.map((b) => html`<tr>
                    <th scope="row">${b.name}</th><td>${b.description}</td><td>${b.services?.join(', ') ?? 'all'}</td>
                    <td>${b.inForce ? html`<span class="warn">in force until ${when(b.inForce.endsAt)}</span>` : '—'}</td>
                  </tr>`)}</tbody></table>`
              : html`<p>No blackout window.</p>`}
          </section>
        </div>`
      : null}
  </div>`;
}

addPage({ path: '/programme', title: 'Programme', nav: 'Programme', order: 20, render: () => html`<${ProgrammePage} />` });
