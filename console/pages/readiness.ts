/**
 * Readiness (GET /api/readiness, docs/readiness.md): each registered runbook's state — ready, not
 * ready, unknown — since when, why (the failing pre-check and its output, as text) and when it was
 * last evaluated; the runbooks not ready on top, in red. An operator or admin may evaluate now
 * (POST /api/readiness/check; the server checks the role anyway).
 */
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { html } from '../html.js';
import { dateTime } from '../parts/format.js';
import { Done, Problem } from '../parts/problem.js';
import { useGet } from '../parts/use-get.js';
import { addPage } from '../router.js';
import { hasRole, useSession } from '../session.js';
import type { RunbookReadiness } from '../types.js';

/** Not ready first, then unknown, then ready; by service and runbook within each. */
const RANK: Record<string, number> = { 'not-ready': 0, unknown: 1, ready: 2 };
const LABEL: Record<string, string> = { 'not-ready': 'not ready', unknown: 'unknown', ready: 'ready' };

function Why({ r }: { r: RunbookReadiness }) {
  if (!r.why) return html`<span class="muted">—</span>`;
  if ('check' in r.why) return html`<span>pre-check <code>${r.why.check}</code> failed:</span><pre class="why">${r.why.output}</pre>`;
  return html`<pre class="why">${r.why.reason}</pre>`;
}

function ReadinessPage() {
  const session = useSession();
  const { data, error, reload } = useGet<{ runbooks: RunbookReadiness[] }>('/api/readiness');
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<unknown>();
  const [done, setDone] = useState<string>();

  async function checkNow() {
    setChecking(true);
    setCheckError(undefined);
    setDone(undefined);
    try {
      const answer = await post<{ checks: { service: string; finished: boolean }[] }>('/api/readiness/check', {});
      const unfinished = answer.checks.filter((c) => !c.finished).map((c) => c.service);
      setDone(`Evaluated ${answer.checks.length} service(s)${unfinished.length ? `; still running: ${unfinished.join(', ')}` : ''}.`);
      reload();
    } catch (err) {
      setCheckError(err);
    } finally {
      setChecking(false);
    }
  }

  const rows = [...(data?.runbooks ?? [])].sort((a, b) => (RANK[a.state] ?? 3) - (RANK[b.state] ?? 3) || a.service.localeCompare(b.service) || a.runbook.localeCompare(b.runbook));
  const notReady = rows.filter((r) => r.state === 'not-ready').length;
  return html`<section data-testid="readiness-page">
    <div class="inline-form">
      <h1>Readiness</h1>
      ${hasRole(session, 'operator', 'admin') ? html`<button type="button" onClick=${checkNow} disabled=${checking} data-testid="check-now">${checking ? 'Checking…' : 'Check now'}</button>` : null}
    </div>
    <p class="hint">Each registered runbook's pre-checks, evaluated on a schedule: a runbook not ready holds its drills back unless the start gives a reason to override.</p>
    <${Done} text=${done} />
    <${Problem} error=${checkError} what="the check" />
    <${Problem} error=${error} what="readiness" />
    ${data === undefined
      ? error ? null : html`<p class="muted">Loading…</p>`
      : rows.length === 0
        ? html`<p data-testid="readiness-empty">No registered runbook has been evaluated yet.</p>`
        : html`<p data-testid="readiness-summary">${notReady ? html`<span class="bad">${notReady} not ready</span>` : 'All evaluated runbooks are ready or unknown'} of ${rows.length}.</p>
          <div class="table-wrap"><table data-testid="readiness">
            <thead><tr><th>Service</th><th>Runbook</th><th>State</th><th>Since</th><th>Why</th><th>Last evaluated</th></tr></thead>
            <tbody>
              ${rows.map(
                (r) => html`<tr class=${r.state === 'not-ready' ? 'not-ready' : ''} data-service=${r.service} data-runbook=${r.runbook} data-state=${r.state}>
                  <td>${r.service}</td>
                  <td>${r.runbook}<br /><code class="muted">${r.planHash.slice(0, 12)}</code></td>
                  <td><span class=${`state state-${r.state}`}>${LABEL[r.state] ?? r.state}</span></td>
                  <td>${dateTime(r.since)}</td>
                  <td data-testid="why"><${Why} r=${r} /></td>
                  <td>${dateTime(r.lastEvaluatedAt)}</td>
                </tr>`,
              )}
            </tbody>
          </table></div>`}
  </section>`;
}

addPage({ path: '/readiness', title: 'Readiness', nav: 'Readiness', order: 15, render: () => html`<${ReadinessPage} />` });
