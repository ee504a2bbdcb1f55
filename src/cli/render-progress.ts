/** Renders a run's live progress for a terminal: one line per step, then what happens now. */
import type { RunProgress, StepProgress } from '../plan/run-messages';

const ICON: Record<StepProgress['state'], string> = {
  pending: '·',
  running: '▶',
  waiting: '⏸',
  completed: '✔',
  failed: '✖',
  skipped: '↷',
  cancelled: '⊘',
};

/** A completed step's undo, once an abort ran it. */
const UNDO: Record<NonNullable<StepProgress['compensation']>, string> = { completed: 'undone', failed: 'undo FAILED' };

function elapsed(from?: string, to?: string): string {
  if (!from) return '';
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from);
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Elapsed time against the RTO budget (the target), while the run is live. */
function budget(p: RunProgress): string {
  const spent = (p.endedAt ? Date.parse(p.endedAt) : Date.now()) - Date.parse(p.startedAt);
  const target = p.objectives!.rtoMs!;
  const left = target - spent;
  return `elapsed ${fmt(spent)} of the RTO budget ${fmt(target)} — ${left >= 0 ? `${fmt(left)} left` : `OVER by ${fmt(-left)}`}`;
}

function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** What waits for whom, the instructions, and the exact command to act. */
export function renderWhatNow(p: RunProgress): string[] {
  const lines: string[] = [];
  for (const w of p.waiting ?? []) {
    const since = `waiting ${fmt(Date.now() - Date.parse(w.since))}`;
    if (w.kind === 'manual') {
      lines.push(`  WHAT NOW: manual step "${w.stepId}" — ${w.title} — needs a person with role "${w.role}" (${since})`);
      for (const line of (w.instructions ?? '').trim().split('\n')) lines.push(`    │ ${line}`);
      const evidence = (w.evidenceFields ?? []).map((f) => `--evidence ${f.name}=…${f.required ? '' : ' (optional)'}`).join(' ');
      lines.push(`    → drillbook confirm ${p.runId} ${w.stepId}${evidence ? ` ${evidence}` : ''}`);
    } else if (w.kind === 'approval') {
      const got = w.approvedBy ?? [];
      lines.push(
        `  WHAT NOW: approval "${w.stepId}" — ${w.title} — needs ${(w.approvalsNeeded ?? 1) - got.length} more approver(s) with role "${w.role}", not ${p.initiator ?? 'the initiator'}` +
          `${got.length ? `; approved by ${got.join(', ')}` : ''} (${since}${w.deadline ? `, times out in ${fmt(Date.parse(w.deadline) - Date.now())}` : ''})`,
      );
      for (const line of (w.instructions ?? '').trim().split('\n').filter(Boolean)) lines.push(`    │ ${line}`);
      lines.push(`    → drillbook approve ${p.runId} ${w.stepId}`);
    } else {
      lines.push(`  WHAT NOW: "${w.stepId}" ${w.stepId.startsWith('guard:') ? 'was violated' : 'failed'}: ${w.error ?? ''} — an operator decides (${since})`.slice(0, 300));
      lines.push(`    → drillbook decide ${p.runId} ${w.stepId} retry`);
      lines.push(`    → drillbook decide ${p.runId} ${w.stepId} skip --reason "…"`);
      lines.push(`    → drillbook decide ${p.runId} ${w.stepId} abort --reason "…"`);
    }
  }
  return lines;
}

export function renderProgress(p: RunProgress): string {
  const lines = [`run ${p.runId} — ${p.runbook} (${p.mode}) — ${p.state.toUpperCase()} — ${elapsed(p.startedAt, p.endedAt)}`];
  for (const s of p.steps) {
    const detail = s.state === 'failed' ? ` — ${s.error}` : s.state === 'skipped' ? ` — ${s.skipReason}` : s.outputSummary ? ` — ${s.outputSummary}` : '';
    const attempts = s.attempts > 1 ? ` (attempt ${s.attempts})` : '';
    const undo = s.compensation ? ` [${UNDO[s.compensation]}]` : '';
    lines.push(`  ${ICON[s.state]} ${s.id.padEnd(24)} ${s.state.padEnd(9)} ${elapsed(s.startedAt, s.endedAt).padStart(8)}${attempts}${undo}${detail}`.slice(0, 200));
  }
  const undone = p.steps.filter((s) => s.compensation);
  if (undone.length) {
    const failed = undone.filter((s) => s.compensation === 'failed').map((s) => s.id);
    lines.push(`  compensations: ${undone.length - failed.length} completed, ${failed.length} failed${failed.length ? ` (${failed.join(', ')})` : ''}`);
  }
  if (p.objectives?.rtoMs !== undefined && p.rtoMs === undefined) lines.push(`  ${budget(p)}`);
  for (const g of p.guards ?? []) lines.push(`  guard ${g.id}: ${g.state}${g.error ? ` — ${g.error}` : ''}`.slice(0, 200));
  if (p.waiting?.length) {
    lines.push(...renderWhatNow(p));
  } else if (p.awaitingDecision) {
    lines.push(`  WHAT NOW: step "${p.awaitingDecision.stepId}" failed; decide: retry, skip (with a reason) or abort`);
  } else if (!p.endedAt) {
    const running = p.steps.filter((s) => s.state === 'running').map((s) => s.id);
    if (running.length) lines.push(`  running: ${running.join(', ')} — nothing to do but watch (abort: drillbook abort ${p.runId} --reason "…")`);
  }
  if (p.rtoMs !== undefined) lines.push(`  RTO achieved: ${p.rtoMs} ms`);
  if (p.rpoMs !== undefined) lines.push(`  RPO achieved: ${p.rpoMs} ms`);
  return lines.join('\n');
}
