/** A run's dossier: the post-drill record as a page, with its downloads (PDF, HTML, CSV, JSON). */
import { html } from '../html.js';
import { showMs } from '../parts/chart-geometry.js';
import { Downloads } from '../parts/downloads.js';
import { Problem } from '../parts/problem.js';
import { useGet } from '../parts/use-get.js';
import { addPage, href } from '../router.js';

interface Objective { targetMs: number | null; achievedMs: number | null; recordedMs: number | null; attainment: string }
interface SinceLastDrill {
  runbook: string; version: string; planHash: string;
  previous: { runId: string; version: string; planHash: string; startedAt: string; endedAt: string; status: string; verdict: string | null } | null;
  outcome: 'first drill' | 'no change' | 'changed';
  changes: { what: string; item: string; detail: string }[];
  trail: { ok: boolean; problems: string[] };
}
interface Dossier {
  runId: string;
  summary: {
    runbook: string; version: string; planHash: string; mode: string; drillType: string; period: string; scenario: string; reason: string;
    initiator: string; status: string; verdict: string | null; outcome: string; startedAt: string; endedAt: string | null;
  };
  scope: { service: string; critical: boolean; criticality: string | null; inInventory: boolean }[];
  transactionClasses: string[];
  participants: { name: string; roles: string[] }[];
  timeline: { stepId: string; title: string; kind: string; execution: number; status: string; attempts: number; startedAt: string | null; endedAt: string | null; durationMs: number | null; marks: string[] }[];
  objectives: { rto: Objective; rpo: Objective; disagreements: string[] };
  sinceLastDrill: SinceLastDrill;
  approvals: { stepId: string | null; actor: string; at: string }[];
  deviations: { kind: string; stepId: string | null; detail: string; at: string | null }[];
  checks: { stepId: string; title: string; phase: string; status: string }[];
  integrity: { ok: boolean; events: number; firstBreak: { chainId: string; seq: number; reason: string } | null };
  findings: { findingId: string; severity: string; status: string; title: string }[];
  signoffs: { role: string; signer: string; signedAt: string; comment: string | null }[];
  missingSignoffs: string[];
  evidence: { item: string; kind: string; sha256: string }[];
}

function objectiveRow(name: string, o: Objective) {
  return html`<tr>
    <th scope="row">${name}</th><td data-testid=${`${name.toLowerCase()}-achieved`}>${showMs(o.achievedMs)}</td><td>${o.targetMs === null ? 'no target' : showMs(o.targetMs)}</td>
    <td class=${`att-${o.attainment.replace(/ /g, '-')}`}>${o.attainment}</td><td>${showMs(o.recordedMs)}</td>
  </tr>`;
}

/** "What changed since the last drill": the runbook against the last earlier drill of it. */
function SinceLastDrillPanel({ x }: { x: SinceLastDrill }) {
  const p = x.previous;
  return html`<section class="panel" data-testid="since-last-drill">
    <h2>What changed since the last drill</h2>
    <dl class="facts">
      <dt>this run</dt><dd>${x.runbook} ${x.version} <code title="plan hash">${x.planHash.slice(0, 12)}</code></dd>
      <dt>last drill</dt><dd>${p
        ? html`<a href=${href(`/runs/${encodeURIComponent(p.runId)}/dossier`)}>${p.runId}</a>: ${x.runbook} ${p.version} <code title="plan hash">${p.planHash.slice(0, 12)}</code>, ended ${p.endedAt} (${p.verdict ?? p.status})`
        : 'none'}</dd>
    </dl>
    <p class=${x.outcome === 'changed' ? 'notice' : 'done'} data-testid="since-last-drill-outcome">${x.outcome === 'first drill' ? 'First drill of this runbook.' : x.outcome === 'no change' ? 'No change: the same plan as the last drill.' : `Changed: ${x.changes.length} change${x.changes.length === 1 ? '' : 's'}.`}</p>
    ${x.trail.ok ? null : html`<p class="problem">The pinned plans disagree with the audit trail: ${x.trail.problems.join('; ')}</p>`}
    ${x.changes.length
      ? html`<table><thead><tr><th scope="col">what</th><th scope="col">item</th><th scope="col">change</th></tr></thead>
          <tbody>${x.changes.map((c) => html`<tr><td>${c.what}</td><td><code>${c.item}</code></td><td>${c.detail}</td></tr>`)}</tbody></table>`
      : null}
  </section>`;
}

function DossierPage({ runId }: { runId: string }) {
  const { data: d, error } = useGet<Dossier>(`/api/runs/${encodeURIComponent(runId)}/dossier`);
  return html`<div>
    <h1>Dossier of <code>${runId}</code></h1>
    <p><a href=${href(`/runs/${encodeURIComponent(runId)}`)}>The run</a></p>
    <${Problem} error=${error} what="dossier" />
    ${!d && !error ? html`<p class="loading">Loading…</p>` : null}
    ${d
      ? html`<div>
          <${Downloads} path=${`/api/runs/${encodeURIComponent(runId)}/dossier/download`} />
          <section class="panel">
            <h2>Summary</h2>
            <dl class="facts">
              <dt>runbook</dt><dd>${d.summary.runbook} ${d.summary.version} <code title="plan hash">${d.summary.planHash.slice(0, 12)}</code></dd>
              <dt>drill type</dt><dd>${d.summary.drillType} (${d.summary.period})</dd>
              <dt>scenario</dt><dd>${d.summary.scenario}</dd>
              <dt>reason</dt><dd>${d.summary.reason}</dd>
              <dt>initiator</dt><dd>${d.summary.initiator}</dd>
              <dt>outcome</dt><dd><span class=${`state verdict-${d.summary.verdict ?? 'none'}`} data-testid="outcome">${d.summary.outcome}</span> (${d.summary.status})</dd>
              <dt>time</dt><dd>${d.summary.startedAt} → ${d.summary.endedAt ?? 'not ended'}</dd>
              <dt>scope</dt><dd>${d.scope.map((s) => `${s.service}${s.critical ? ' (critical)' : ''}${s.inInventory ? '' : ' (not in inventory)'}`).join(', ')}</dd>
              <dt>transactions tested</dt><dd>${d.transactionClasses.join(', ') || 'none'}</dd>
            </dl>
          </section>
          <section class="panel">
            <h2>Objectives</h2>
            <table data-testid="objectives">
              <thead><tr><th scope="col"></th><th scope="col">achieved (from the marks)</th><th scope="col">target (inventory)</th><th scope="col">attainment</th><th scope="col">recorded by the run</th></tr></thead>
              <tbody>${objectiveRow('RTO', d.objectives.rto)}${objectiveRow('RPO', d.objectives.rpo)}</tbody>
            </table>
            ${d.objectives.disagreements.map((t) => html`<p class="notice">${t} (the inventory's target counts)</p>`)}
          </section>
          <${SinceLastDrillPanel} x=${d.sinceLastDrill} />
          <section class="panel">
            <h2>Timeline</h2>
            <table>
              <thead><tr><th scope="col">step</th><th scope="col">kind</th><th scope="col">state</th><th scope="col">attempts</th><th scope="col">started</th><th scope="col">duration</th><th scope="col">marks</th></tr></thead>
              <tbody>${d.timeline.map((s) => html`<tr>
                <th scope="row">${s.title} <code>${s.stepId}</code>${s.execution > 1 ? ` (execution ${s.execution})` : ''}</th><td>${s.kind}</td>
                <td><span class=${`state state-${s.status}`}>${s.status}</span></td><td>${s.attempts}</td><td>${s.startedAt?.slice(11, 23) ?? '—'}</td>
                <td>${s.durationMs === null ? '—' : showMs(s.durationMs)}</td><td>${s.marks.join(', ')}</td>
              </tr>`)}</tbody>
            </table>
          </section>
          <section class="panel">
            <h2>People and approvals</h2>
            <ul>${d.participants.map((p) => html`<li>${p.name}: ${p.roles.join(', ')}</li>`)}</ul>
            ${d.approvals.length ? html`<ul>${d.approvals.map((a) => html`<li>${a.actor} approved ${a.stepId ?? ''} at ${a.at}</li>`)}</ul>` : html`<p>No approvals.</p>`}
          </section>
          <section class="panel">
            <h2>Deviations</h2>
            ${d.deviations.length
              ? html`<table><thead><tr><th scope="col">kind</th><th scope="col">step</th><th scope="col">detail</th><th scope="col">at</th></tr></thead>
                  <tbody>${d.deviations.map((x) => html`<tr><td>${x.kind}</td><td>${x.stepId ?? '—'}</td><td>${x.detail}</td><td>${x.at ?? '—'}</td></tr>`)}</tbody></table>`
              : html`<p>None: no skip, retry, decision, pause or refused action.</p>`}
          </section>
          <section class="panel">
            <h2>Checks</h2>
            <ul>${d.checks.map((c) => html`<li><span class=${`state state-${c.status.replace(/ /g, '-')}`}>${c.status}</span> ${c.title} (${c.phase})</li>`)}</ul>
          </section>
          <section class="panel">
            <h2>Integrity</h2>
            <p class=${d.integrity.ok ? 'done' : 'problem'} data-testid="dossier-integrity">
              ${d.integrity.ok ? `The run's chain verifies: ${d.integrity.events} events.` : `The run's chain does NOT verify: ${d.integrity.firstBreak?.chainId} #${d.integrity.firstBreak?.seq}: ${d.integrity.firstBreak?.reason}`}
            </p>
          </section>
          <section class="panel">
            <h2>Findings and sign-offs</h2>
            ${d.findings.length ? html`<ul>${d.findings.map((f) => html`<li>${f.findingId} (${f.severity}, ${f.status}): ${f.title}</li>`)}</ul>` : html`<p>No findings.</p>`}
            ${d.signoffs.length ? html`<ul>${d.signoffs.map((s) => html`<li>${s.role}: ${s.signer}, ${s.signedAt}${s.comment ? ` — ${s.comment}` : ''}</li>`)}</ul>` : null}
            ${d.missingSignoffs.length ? html`<p class="notice">Missing sign-offs: ${d.missingSignoffs.join(', ')} (<code>drillbook signoff</code>).</p>` : null}
          </section>
          <section class="panel">
            <h2>Evidence (${d.evidence.length})</h2>
            <details><summary>sha256 of the plan, each step's output and each audit event</summary>
              <table><tbody>${d.evidence.map((e) => html`<tr><td>${e.item}</td><td>${e.kind}</td><td><code class="hash">${e.sha256}</code></td></tr>`)}</tbody></table>
            </details>
          </section>
        </div>`
      : null}
  </div>`;
}

addPage({ path: '/runs/:runId/dossier', title: 'Dossier', render: ({ runId }) => html`<${DossierPage} runId=${runId} />` });
