/**
 * Runs through the operators' API, for people: start one (`POST /api/runs`, the token's user is the
 * initiator) and follow it (`GET /api/runs/:id`) until it ends, so a person needs no Temporal access.
 * Shared by `drillbook run`, `drillbook watch` and the demo.
 */
import type { Mode } from '../plan/types';
import type { RunProgress } from '../plan/run-messages';
import { ApiClient, runPath } from './api-client';
import { endedByTrailStatus } from './exit-codes';
import { renderProgress } from './render-progress';
import { progressFromTrail, type TrailEvent, type TrailRun } from './trail-progress';

/** What `POST /api/runs` takes: the runbook's text (the server validates and compiles it itself). */
export interface StartRunRequest {
  runbook: string;
  file: string;
  mode: Mode;
  params: Record<string, string | number | boolean>;
  reason: string;
  /** Start although the runbook is not ready (docs/readiness.md). */
  readinessOverride?: { reason: string };
}

export interface StartedRun {
  runId: string;
  planHash: string;
  requestId: string;
}

/** `GET /api/runs/:id`: live from Temporal (with the trail's verdict once ended), or the trail's record. */
export type RunAnswer =
  | { source: 'temporal'; progress: RunProgress; verdict?: string | null }
  | { source: 'audit'; run: TrailRun & { status: string; verdict: string | null; rtoMs: number | null; rpoMs: number | null } };

/** How a followed run ended, as far as the API tells. */
export interface RunOutcome {
  runId: string;
  state: string;
  /** null when the trail recorded no verdict (e.g. the workflow itself failed). */
  verdict: string | null;
  rtoMs: number | null;
  rpoMs: number | null;
  steps: Record<string, { state: string; error?: string; output?: string; compensation?: 'completed' | 'failed' }>;
}

/** After the workflow ended, how long to wait for its outcome to reach the trail. */
const VERDICT_GRACE_MS = 30_000;

export function startRunViaApi(api: ApiClient, request: StartRunRequest): Promise<StartedRun> {
  return api.post<StartedRun>('/api/runs', request);
}

/**
 * The run's progress: the workflow's, or rebuilt from the audit trail's events (`GET …/events`) when
 * only the trail knows the run — so that what it did, compensations included, shows either way.
 */
export async function progressOf(api: ApiClient, answer: RunAnswer): Promise<RunProgress> {
  if (answer.source === 'temporal') return answer.progress;
  const { events } = await api.get<{ events: TrailEvent[] }>(runPath(answer.run.runId, 'events'));
  return progressFromTrail(answer.run, events);
}

/** One screen of a run, as `watch` shows it. */
export function renderAnswer(answer: RunAnswer, progress: RunProgress): string {
  const text = renderProgress(progress);
  return answer.source === 'audit' ? `${text}\n  (from the audit trail${answer.run.verdict ? `; verdict ${answer.run.verdict}` : ''})` : text;
}

/** Whether the run ended: Temporal's progress says so, or the trail's status is not a live one. */
export function isEnded(answer: RunAnswer): boolean {
  return answer.source === 'audit' ? endedByTrailStatus(answer.run.status) : Boolean(answer.progress.endedAt);
}

function outcomeOf(answer: RunAnswer, p: RunProgress): RunOutcome {
  const steps: RunOutcome['steps'] = {};
  for (const s of p.steps) {
    steps[s.id] = { state: s.state, ...(s.error ? { error: s.error } : {}), ...(s.outputSummary ? { output: s.outputSummary } : {}), ...(s.compensation ? { compensation: s.compensation } : {}) };
  }
  if (answer.source === 'audit') {
    const r = answer.run;
    return { runId: r.runId, state: r.status, verdict: r.verdict, rtoMs: r.rtoMs, rpoMs: r.rpoMs, steps };
  }
  return { runId: p.runId, state: p.state, verdict: answer.verdict ?? null, rtoMs: p.rtoMs ?? null, rpoMs: p.rpoMs ?? null, steps };
}

/** What changes a screen for a reader of a log: the run's and steps' states (not the ticking clock). */
function stateKey(answer: RunAnswer): string {
  if (answer.source === 'audit') return `audit|${answer.run.status}|${answer.run.verdict}`;
  return `${answer.progress.state}|${answer.progress.steps.map((s) => s.state).join(',')}|${(answer.progress.waiting ?? []).map((w) => w.stepId).join(',')}`;
}

/** Prints successive screens: redrawn in place on a terminal, elsewhere (a log, a pipe) only when a state changed. */
export function terminalView(): (text: string, key: string) => void {
  let lastLines = 0;
  let lastKey: string | undefined;
  return (text, key) => {
    if (process.stdout.isTTY) {
      if (lastLines) process.stdout.write(`\x1b[${lastLines}A\x1b[J`);
      process.stdout.write(`${text}\n`);
    } else if (key !== lastKey) {
      process.stdout.write(`${text}\n`);
    }
    lastKey = key;
    lastLines = text.split('\n').length;
  };
}

/**
 * Polls the run through the API until it ended and its verdict is in the trail (or `once`), showing
 * each screen to `show` when given. A run only the trail knows is answered at once: nothing will
 * change it any more.
 * @returns the outcome, and whether the run has ended (false only with `once`, or for a trail-only live run).
 */
export async function followRunViaApi(
  api: ApiClient,
  runId: string,
  opts: { show?: (text: string, key: string) => void; intervalMs: number; once?: boolean },
): Promise<{ outcome: RunOutcome; ended: boolean }> {
  let endedSince: number | undefined;
  for (;;) {
    const answer = await api.get<RunAnswer>(runPath(runId));
    const progress = await progressOf(api, answer);
    opts.show?.(renderAnswer(answer, progress), stateKey(answer));
    const outcome = outcomeOf(answer, progress);
    const ended = isEnded(answer);
    if (ended) {
      endedSince ??= Date.now();
      if (outcome.verdict !== null || Date.now() - endedSince > VERDICT_GRACE_MS || opts.once) return { outcome, ended };
    } else if (opts.once || answer.source === 'audit') {
      return { outcome, ended };
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}
