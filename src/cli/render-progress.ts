/** Renders a run's live progress for a terminal: one line per step, then what happens now. */
import type { RunProgress, StepProgress } from '../../workflows/messages';

const ICON: Record<StepProgress['state'], string> = {
  pending: '·',
  running: '▶',
  waiting: '⏸',
  completed: '✔',
  failed: '✖',
  skipped: '↷',
  cancelled: '⊘',
};

function elapsed(from?: string, to?: string): string {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function renderProgress(p: RunProgress): string {
  const lines = [`run ${p.runId} — ${p.runbook} (${p.mode}) — ${p.state.toUpperCase()} — ${elapsed(p.startedAt, p.endedAt)}`];
  for (const s of p.steps) {
    const detail = s.state === 'failed' ? ` — ${s.error}` : s.state === 'skipped' ? ` — ${s.skipReason}` : s.outputSummary ? ` — ${s.outputSummary}` : '';
    const attempts = s.attempts > 1 ? ` (attempt ${s.attempts})` : '';
    lines.push(`  ${ICON[s.state]} ${s.id.padEnd(24)} ${s.state.padEnd(9)} ${elapsed(s.startedAt, s.endedAt).padStart(8)}${attempts}${detail}`.slice(0, 200));
  }
  if (p.awaitingDecision) {
    lines.push(`  WHAT NOW: step "${p.awaitingDecision.stepId}" failed; decide: retry, skip (with a reason) or abort`);
  }
  if (p.rtoMs !== undefined) lines.push(`  RTO achieved: ${p.rtoMs} ms`);
  if (p.rpoMs !== undefined) lines.push(`  RPO achieved: ${p.rpoMs} ms`);
  return lines.join('\n');
}
