/** Integrity: the whole trail verified now (every chain, every runs and step row against it), and the checkpoints of the period. */
import { html } from '../html.js';
import { Downloads } from '../parts/downloads.js';
import { Problem } from '../parts/problem.js';
import { PeriodPicker, currentHalf } from '../parts/period.js';
import { useGet, withQuery } from '../parts/use-get.js';
import { addPage, useQuery } from '../router.js';

interface Mismatch { runId: string; stepId?: string; execution?: number; differences: string[] }
interface Integrity {
  period: string; generatedAt: string;
  verification: { ok: boolean; chains: number; events: number; firstBreak: { chainId: string; runId: string | null; seq: number; reason: string } | null; seconds: number };
  runsProjection: { ok: boolean; runs: number; mismatches: Mismatch[] };
  stepResults: { ok: boolean; rows: number; mismatches: Mismatch[] };
  runsInPeriod: number; eventsInPeriod: number;
  checkpoints: { takenAt: string; digest: string; chains: number; events: number; by: string }[];
}

function Verdict({ ok, good, bad, testid }: { ok: boolean; good: string; bad: string; testid: string }) {
  return html`<p class=${ok ? 'done' : 'problem'} data-testid=${testid}>${ok ? good : bad}</p>`;
}

function IntegrityPage() {
  const period = useQuery().get('period') ?? currentHalf();
  const { data, error } = useGet<Integrity>(withQuery('/api/reports/integrity', { period }));
  return html`<div>
    <h1>Integrity</h1>
    <${PeriodPicker} page="/integrity" period=${period} />
    <${Problem} error=${error} what="integrity" />
    ${!data && !error ? html`<p class="loading">Verifying every chain of the trail…</p>` : null}
    ${data
      ? html`<div>
          <${Downloads} path="/api/reports/integrity/download" query=${{ period }} />
          <p class="hint">Last verification: ${data.generatedAt} (took ${data.verification.seconds.toFixed(2)} s; a verification is reused for 15 s, so reloading does not run it again).</p>
          <${Verdict} testid="chains" ok=${data.verification.ok}
            good=${`Every hash chain verifies: ${data.verification.chains} chains, ${data.verification.events} events.`}
            bad=${`A chain does NOT verify: ${data.verification.firstBreak?.chainId} #${data.verification.firstBreak?.seq}: ${data.verification.firstBreak?.reason}`} />
          <${Verdict} testid="runs-rows" ok=${data.runsProjection.ok}
            good=${`Every runs row agrees with its chain (${data.runsProjection.runs} runs).`}
            bad=${`${data.runsProjection.mismatches.length} runs row(s) disagree with their chain.`} />
          <${Verdict} testid="step-rows" ok=${data.stepResults.ok}
            good=${`Every step row agrees with its chain (${data.stepResults.rows} rows).`}
            bad=${`${data.stepResults.mismatches.length} step row(s) disagree with their chain.`} />
          ${[...data.runsProjection.mismatches, ...data.stepResults.mismatches].length
            ? html`<table><thead><tr><th scope="col">run</th><th scope="col">step</th><th scope="col">disagreement</th></tr></thead>
                <tbody>${[...data.runsProjection.mismatches, ...data.stepResults.mismatches].map((m) => html`<tr><td>${m.runId}</td><td>${m.stepId ?? '—'}</td><td>${m.differences.join('; ')}</td></tr>`)}</tbody></table>`
            : null}
          <h2>${data.period}</h2>
          <p>${data.runsInPeriod} runs started and ${data.eventsInPeriod} events written in the period.</p>
          <h2>Checkpoints taken in ${data.period}</h2>
          ${data.checkpoints.length
            ? html`<table data-testid="checkpoints"><thead><tr><th scope="col">taken</th><th scope="col">by</th><th scope="col">chains</th><th scope="col">events</th><th scope="col">digest</th></tr></thead>
                <tbody>${data.checkpoints.map((c) => html`<tr><td>${c.takenAt}</td><td>${c.by}</td><td>${c.chains}</td><td>${c.events}</td><td><code class="hash">${c.digest}</code></td></tr>`)}</tbody></table>`
            : html`<p class="notice">No checkpoint taken in the period: <code>drillbook audit checkpoint --out FILE</code>, kept on WORM storage, is what proves nothing before it changed.</p>`}
        </div>`
      : null}
  </div>`;
}

addPage({ path: '/integrity', title: 'Integrity', nav: 'Integrity', order: 50, render: () => html`<${IntegrityPage} />` });
