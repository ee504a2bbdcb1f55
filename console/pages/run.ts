/**
 * A run, live: what now (who must do what, with the form when the signed-in person may), the plan as
 * a graph with each step's state, the RTO budget, the guards, each step's evidence and the timeline
 * of its audit trail. Every message of the stream is the whole run: after a reconnect the page shows
 * the truth, not a patched copy.
 */
import { html } from '../html.js';
import { dateTime, duration, State, time } from '../parts/format.js';
import { PlanGraph } from '../parts/graph.js';
import { LiveBadge, useStream } from '../parts/live.js';
import { RtoBudget } from '../parts/rto-budget.js';
import { WhatNow } from '../parts/what-now.js';
import { Problem } from '../parts/problem.js';
import { addPage, href } from '../router.js';
import { useSession } from '../session.js';
import type { RunView, TimelineEvent } from '../types.js';

function eventText(e: TimelineEvent): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const parts = [d.action, d.decision, d.reason, d.error, d.message, d.comment].filter((v) => typeof v === 'string' && v);
  return parts.join(' — ');
}

function Evidence({ run }: { run: RunView }) {
  const confirmed = run.evidence;
  const outputs = run.steps.filter((s) => s.output && typeof s.output === 'object' && Object.keys(s.output as object).length);
  if (!confirmed.length && !outputs.length) return html`<p class="muted">No evidence recorded yet.</p>`;
  return html`<div class="evidence" data-testid="evidence">
    ${confirmed.map(
      (c) => html`<div class="panel">
        <h3>${run.steps.find((s) => s.id === c.stepId)?.title ?? c.stepId} <span class="muted">confirmed by ${c.actor} at ${time(c.at)}</span></h3>
        <dl class="facts">
          ${Object.entries(c.evidence ?? {}).map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}
          ${c.note ? html`<dt>note</dt><dd>${c.note}</dd>` : null}
        </dl>
      </div>`,
    )}
    ${outputs.map(
      (s) => html`<div class="panel"><h3>${s.title} <span class="muted">output kept as evidence</span></h3><pre>${JSON.stringify(s.output, null, 2)}</pre></div>`,
    )}
  </div>`;
}

function RunPage({ runId }: { runId: string }) {
  const session = useSession();
  const { data: run, live, problem } = useStream<RunView>(`/api/runs/${encodeURIComponent(runId)}/stream`);
  if (!session) return null;
  if (!run) return html`<section><h1>Run <code>${runId}</code></h1><${LiveBadge} live=${live} /><${Problem} error=${problem} what="this run" />${problem ? null : html`<p class="muted">Loading…</p>`}</section>`;
  return html`<section data-testid="run" data-state=${run.state}>
    <p><a href=${href('/runs')}>← Runs</a></p>
    <div class="inline-form">
      <h1>${run.runbook} <span class="muted">${run.version}</span></h1>
      <${State} state=${run.state} />
      ${run.verdict ? html`<span class=${`state verdict-${run.verdict}`} data-testid="verdict">verdict ${run.verdict}</span>` : null}
      <${LiveBadge} live=${live} />
    </div>
    <dl class="facts">
      <dt>Run</dt><dd><code>${run.runId}</code></dd>
      <dt>Mode</dt><dd>${run.mode}</dd>
      <dt>Services</dt><dd>${run.services.join(', ')}</dd>
      <dt>Started</dt><dd>${dateTime(run.startedAt)} by ${run.initiator}: ${run.reason}</dd>
      ${run.endedAt ? html`<dt>Ended</dt><dd>${dateTime(run.endedAt)}</dd>` : null}
    </dl>
    <div class="run-grid">
      <div>
        <${WhatNow} run=${run} session=${session} />
        <section class="panel" aria-labelledby="plan"><h2 id="plan">Plan</h2><${PlanGraph} steps=${run.steps} /></section>
        <section class="panel" aria-labelledby="steps"><h2 id="steps">Steps</h2>
          <table data-testid="steps">
            <thead><tr><th>Step</th><th>State</th><th>Started</th><th>Took</th><th>Detail</th></tr></thead>
            <tbody>
              ${run.steps.map(
                (s) => html`<tr data-step=${s.id}>
                  <td>${s.title}<br /><code class="muted">${s.id}</code> <span class="muted">${s.kind}</span></td>
                  <td><${State} state=${s.state} />${s.execution > 1 ? html` <span class="muted">run ${s.execution}</span>` : null}</td>
                  <td>${time(s.startedAt)}</td>
                  <td>${s.startedAt && s.endedAt ? duration(Date.parse(s.endedAt) - Date.parse(s.startedAt)) : '—'}</td>
                  <td>${s.error ? html`<span class="problem-message">${s.error}</span>` : (s.skipReason ?? s.outputSummary ?? '')}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="evidence-h"><h2 id="evidence-h">Evidence</h2><${Evidence} run=${run} /></section>
      </div>
      <div>
        <section class="panel" aria-labelledby="rto-h"><h2 id="rto-h">RTO budget</h2><${RtoBudget} run=${run} />
          ${run.objectives?.rpoMs !== undefined ? html`<p>RPO ${duration(run.rpoMs)} of ${duration(run.objectives.rpoMs)} target</p>` : null}
        </section>
        <section class="panel" aria-labelledby="guards-h"><h2 id="guards-h">Guards</h2>
          ${run.guards.length
            ? html`<ul>${run.guards.map((g) => html`<li data-guard=${g.id}>${g.title} <${State} state=${g.state} /> <span class="muted">on violation: ${g.onViolation}</span>${g.error ? html`<br /><span class="problem-message">${g.error}</span>` : null}</li>`)}</ul>`
            : html`<p class="muted">This runbook has no guards.</p>`}
        </section>
        <section class="panel" aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline <span class="muted">(audit trail)</span></h2>
          <ol class="timeline" data-testid="timeline">
            ${[...run.timeline].reverse().map(
              (e) => html`<li data-type=${e.type}><time datetime=${e.at}>${time(e.at)}</time><strong>${e.type}</strong>${e.stepId ? html` <code>${e.stepId}</code>` : null} <span class="muted">${e.actor}</span> ${eventText(e)}</li>`,
            )}
          </ol>
        </section>
      </div>
    </div>
  </section>`;
}

addPage({ path: '/runs/:runId', title: 'Run', render: (p) => html`<${RunPage} key=${p.runId} runId=${p.runId} />` });
