/**
 * The RTO budget: from the start of the `rto.start` step to the end of the `rto.end` step (now, while
 * it runs), against the runbook's target, ticking. Once the run has ended, the recorded RTO.
 */
import { html } from '../html.js';
import { duration, useNow } from './format.js';
import type { RunView } from '../types.js';

export function RtoBudget({ run }: { run: RunView }) {
  const now = useNow(250);
  const target = run.objectives?.rtoMs;
  const start = run.steps.find((s) => s.marks.includes('rto.start'));
  const end = run.steps.find((s) => s.marks.includes('rto.end'));
  if (!start && !target) return html`<p class="muted">This runbook marks no RTO.</p>`;
  const startedAt = start?.startedAt ? Date.parse(start.startedAt) : undefined;
  const endedAt = end?.endedAt && end.state === 'completed' ? Date.parse(end.endedAt) : undefined;
  const until = endedAt ?? (run.ended ? undefined : now);
  // The step's start is the server's clock, `now` the browser's: a few ms behind must not read as negative.
  const used = run.rtoMs ?? (startedAt === undefined || until === undefined ? undefined : Math.max(0, until - startedAt));
  const state = run.rtoMs !== null || endedAt !== undefined ? 'measured' : startedAt === undefined ? 'not started' : run.ended ? 'not measured' : 'running';
  const over = target !== undefined && used !== undefined && used > target;
  const scale = Math.max(target ?? 0, used ?? 0) * 1.1 || 1;
  const width = 400;
  return html`<div class="rto" data-testid="rto" data-state=${state}>
    <p><strong>RTO ${duration(used)}</strong> ${target !== undefined ? html`of <strong>${duration(target)}</strong> target` : '(no target)'} — ${state}${over ? html` — <span class="state state-failed">over budget</span>` : null}</p>
    <svg class="budget" viewBox=${`0 0 ${width} 18`} width=${width} height="18" role="img" aria-label=${`RTO ${duration(used)} of ${duration(target)}`}>
      <rect class="track" width=${width} height="18" rx="3" />
      ${used !== undefined ? html`<rect class=${`used${over ? ' over' : ''}`} width=${Math.max(0, Math.min(width, (used / scale) * width))} height="18" rx="3" />` : null}
      ${target !== undefined ? html`<line class="target" x1=${(target / scale) * width} x2=${(target / scale) * width} y1="0" y2="18" />` : null}
    </svg>
  </div>`;
}
