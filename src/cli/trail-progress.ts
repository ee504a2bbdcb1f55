/**
 * A run's progress rebuilt from its audit trail alone, once Temporal has forgotten it: the same view
 * (`RunProgress`, drawn by render-progress.ts) as the workflow's query gives while it lives — each
 * step that did something, its attempts, its error or skip reason, and the outcome of its undo.
 */
import type { Json } from '../plan/types';
import { RUN_STATES, type RunProgress, type RunState, type StepProgress } from '../plan/run-messages';

/** What the trail's `runs` row says (as the API sends it: dates as ISO text, or as read: Dates). */
export interface TrailRun {
  runId: string;
  runbookName: string;
  planHash: string;
  mode: string;
  status: string;
  startedAt: string | Date;
  endedAt?: string | Date | null;
  initiator?: string;
  objectives?: { rtoMs?: number; rpoMs?: number } | null;
  rtoMs?: number | null;
  rpoMs?: number | null;
}

/** One audit event of the run (in seq order). */
export interface TrailEvent {
  type: string;
  stepId?: string | null;
  at: string | Date;
  data: Json;
}

export function progressFromTrail(run: TrailRun, events: readonly TrailEvent[]): RunProgress {
  const steps = new Map<string, StepProgress>();
  const stepOf = (id: string): StepProgress => {
    let p = steps.get(id);
    if (!p) {
      p = { id, title: id, kind: 'step', phase: 'main', state: 'pending', execution: 0, attempts: 0 };
      steps.set(id, p);
    }
    return p;
  };
  for (const e of events) {
    if (!e.stepId) continue;
    const data = (e.data && typeof e.data === 'object' && !Array.isArray(e.data) ? e.data : {}) as { [k: string]: Json | undefined };
    const at = iso(e.at);
    const attempt = typeof data.attempt === 'number' ? data.attempt : undefined;
    const p = stepOf(e.stepId);
    switch (e.type) {
      case 'step.started':
        Object.assign(p, { state: 'running', startedAt: at, endedAt: undefined, error: undefined, attempts: attempt ?? 1 });
        if (typeof data.execution === 'number') p.execution = data.execution;
        if (typeof data.kind === 'string') p.kind = data.kind;
        break;
      case 'step.waiting':
        Object.assign(p, { state: 'waiting', startedAt: p.startedAt ?? at });
        break;
      case 'step.retried':
      case 'step.attempt_failed':
        p.attempts = Math.max(p.attempts, attempt ?? p.attempts);
        break;
      case 'step.completed':
        Object.assign(p, { state: 'completed', endedAt: at, error: undefined, attempts: Math.max(p.attempts, attempt ?? 1) });
        break;
      case 'step.failed':
        Object.assign(p, { state: 'failed', endedAt: at, error: typeof data.error === 'string' ? data.error : 'failed' });
        break;
      case 'step.skipped':
        Object.assign(p, { state: 'skipped', skipReason: typeof data.reason === 'string' ? data.reason : undefined });
        break;
      case 'step.cancelled':
        Object.assign(p, { state: 'cancelled', endedAt: at });
        break;
      // An undo may fail an attempt and complete a later one: the last word stands.
      case 'compensation.completed':
        p.compensation = 'completed';
        break;
      case 'compensation.failed':
        p.compensation = 'failed';
        break;
    }
  }
  return {
    runId: run.runId,
    runbook: run.runbookName,
    planHash: run.planHash,
    mode: run.mode,
    state: (RUN_STATES as readonly string[]).includes(run.status) ? (run.status as RunState) : 'failed',
    startedAt: iso(run.startedAt),
    ...(run.endedAt ? { endedAt: iso(run.endedAt) } : {}),
    steps: [...steps.values()],
    ...(run.rtoMs != null ? { rtoMs: run.rtoMs } : {}),
    ...(run.rpoMs != null ? { rpoMs: run.rpoMs } : {}),
    ...(run.initiator ? { initiator: run.initiator } : {}),
    ...(run.objectives ? { objectives: run.objectives } : {}),
  };
}

function iso(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}
