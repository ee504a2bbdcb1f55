/**
 * What the console shows of runs (issue 16), read from the audit trail and, while a run is live, from
 * Temporal (the workflow's `getProgress` query), as GET /api/runs/:runId already does:
 *
 * - `runList`: the runs matching a filter, every active run included whatever its age; those waiting
 *   for a person (paused on a failure or a guard, or a manual step or an approval waiting) first.
 * - `runView`: one run whole: its steps as a graph (needs) with their states, guards, what waits for
 *   whom, the timeline of its audit events, each step's evidence, the objectives and the marks.
 *
 * Both are read-only and built anew on each call: a stream (routes/run-views.ts) sends the whole
 * document again whenever it changes, never a patch.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { listRunEvents } from '../audit/audit-events';
import { getRun } from '../audit/runs';
import { listStepResults } from '../audit/step-results';
import type { Json, Plan, PlanStep } from '../plan/types';
import { cappedJson } from './recorded-request';

/** The parts of the workflow's progress the views use (workflows/messages.ts `RunProgress`). */
export interface LiveProgress {
  state: string;
  startedAt: string;
  endedAt?: string;
  initiator?: string;
  awaitingDecision?: { stepId: string; error: string };
  steps: { id: string; title: string; kind: string; phase: string; state: string; execution: number; attempts: number; startedAt?: string; endedAt?: string; outputSummary?: string; error?: string; skipReason?: string; compensation?: string }[];
  rtoMs?: number;
  rpoMs?: number;
  objectives?: { rtoMs?: number; rpoMs?: number };
  waiting?: { stepId: string; kind: string; title: string; since: string; instructions?: string; evidenceFields?: { name: string; description?: string; required: boolean }[]; role: string; approvalsNeeded?: number; approvedBy?: string[]; deadline?: string; error?: string }[];
  guards?: { id: string; state: string; error?: string }[];
}

/** The live progress of a run, or undefined when Temporal no longer has it (then the trail tells). */
export type ProgressSource = (runId: string) => Promise<LiveProgress | undefined>;

export interface RunViewDeps {
  db: Kysely<Database>;
  progress: ProgressSource;
}

/** The list's `state` filter: a run's live state, the trail's status, or a group. */
export const RUN_LIST_STATES = ['active', 'needs-human', 'running', 'paused', 'aborting', 'completed', 'failed', 'aborted', 'cancelled', 'terminated'] as const;
export type RunListState = (typeof RUN_LIST_STATES)[number];

export interface RunListFilter {
  service?: string;
  mode?: string;
  initiator?: string;
  state?: RunListState;
  /** How many ended runs (newest first); active runs are always all listed. */
  limit: number;
}

const ENDED_STATUSES = new Set(['completed', 'failed', 'aborted', 'cancelled', 'terminated']);
/** Active runs listed at most (each is one query to Temporal). */
const MAX_ACTIVE = 200;

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export async function runList(deps: RunViewDeps, filter: RunListFilter) {
  const base = () => {
    let q = deps.db.selectFrom('runs').select(['run_id', 'runbook_name', 'runbook_version', 'mode', 'services', 'initiator', 'reason', 'objectives', 'status', 'verdict', 'started_at', 'ended_at', 'rto_ms', 'rpo_ms']);
    if (filter.service !== undefined) q = q.where('services', '@>', sql<string[]>`ARRAY[${filter.service}]::text[]`);
    if (filter.mode !== undefined) q = q.where('mode', '=', filter.mode as never);
    if (filter.initiator !== undefined) q = q.where('initiator', '=', filter.initiator);
    return q;
  };
  const [active, recent] = await Promise.all([
    base().where('ended_at', 'is', null).orderBy('started_at', 'desc').limit(MAX_ACTIVE).execute(),
    base().where('ended_at', 'is not', null).orderBy('started_at', 'desc').orderBy('run_id').limit(filter.limit).execute(),
  ]);
  const items = await Promise.all(
    [...active, ...recent].map(async (row) => {
      const live = row.ended_at ? undefined : await deps.progress(row.run_id).catch(() => undefined);
      const waiting = (live?.waiting ?? []).map((w) => ({ stepId: w.stepId, kind: w.kind, title: w.title, role: w.role, since: w.since }));
      const state = live?.state ?? row.status;
      const ended = ENDED_STATUSES.has(state) || Boolean(row.ended_at) || Boolean(live?.endedAt);
      return {
        runId: row.run_id,
        runbook: row.runbook_name,
        version: row.runbook_version,
        mode: row.mode,
        services: row.services,
        initiator: row.initiator,
        reason: row.reason,
        status: row.status,
        state,
        live: Boolean(live),
        ended,
        needsHuman: !ended && (state === 'paused' || waiting.length > 0),
        waiting,
        awaitingDecision: live?.awaitingDecision ?? null,
        startedAt: row.started_at.toISOString(),
        endedAt: iso(row.ended_at) ?? live?.endedAt ?? null,
        verdict: row.verdict,
        rtoMs: row.rto_ms === null ? (live?.rtoMs ?? null) : Number(row.rto_ms),
        rpoMs: row.rpo_ms === null ? (live?.rpoMs ?? null) : Number(row.rpo_ms),
        objectives: row.objectives,
      };
    }),
  );
  const wanted = items.filter((r) => {
    switch (filter.state) {
      case undefined:
        return true;
      case 'active':
        return !r.ended;
      case 'needs-human':
        return r.needsHuman;
      default:
        return r.state === filter.state;
    }
  });
  // People first: what waits for someone, then what runs, then the rest, newest first.
  const rank = (r: (typeof items)[number]) => (r.needsHuman ? 0 : r.ended ? 2 : 1);
  wanted.sort((a, b) => rank(a) - rank(b) || b.startedAt.localeCompare(a.startedAt) || a.runId.localeCompare(b.runId));
  return { runs: wanted };
}

/** A step of the plan as the graph shows it: what it is, what it needs, and what a person must do for it. */
function planStep(step: PlanStep) {
  return {
    id: step.id,
    title: step.title,
    kind: step.kind,
    phase: step.phase,
    needs: step.needs,
    marks: step.marks,
    ...(step.sequence ? { sequence: step.sequence } : {}),
    ...(step.kind === 'manual' ? { instructions: step.instructions, evidenceFields: step.evidenceFields, role: step.role ?? 'operator' } : {}),
    ...(step.kind === 'approval' ? { instructions: step.instructions ?? null, role: step.role, approvers: step.approvers } : {}),
  };
}

/** Event types whose data the timeline shows (what a person did or the run decided); others by type only. */
const TIMELINE_DATA = new Set(['step.failed', 'step.skipped', 'step.confirmed', 'approval.granted', 'decision.applied', 'run.paused', 'run.abort_requested', 'run.aborted', 'run.completed', 'run.failed', 'run.terminated', 'guard.violated', 'action.refused', 'action.requested']);

/** @returns undefined when neither the trail nor Temporal knows the run. */
export async function runView(deps: RunViewDeps, runId: string) {
  const run = await getRun(deps.db, runId);
  if (!run) return undefined;
  // An ended run is the trail's: no query (Temporal would replay the whole history on a worker for it).
  const live = run.endedAt ? undefined : await deps.progress(runId).catch(() => undefined);
  const plan = run.plan as unknown as Plan;
  const [events, results] = await Promise.all([listRunEvents(deps.db, runId), live ? Promise.resolve([]) : listStepResults(deps.db, runId)]);

  // The latest execution of each step, from the trail, for a run Temporal no longer has.
  const latest = new Map<string, (typeof results)[number]>();
  for (const r of results) if ((latest.get(r.stepId)?.execution ?? 0) <= r.execution) latest.set(r.stepId, r);
  const liveSteps = new Map((live?.steps ?? []).map((s) => [s.id, s]));

  const steps = plan.steps.map((step) => {
    const now = liveSteps.get(step.id);
    const done = latest.get(step.id);
    const state = now?.state ?? (done ? done.status : run.endedAt ? 'skipped' : 'pending');
    return {
      ...planStep(step),
      state,
      execution: now?.execution ?? done?.execution ?? 0,
      attempts: now?.attempts ?? done?.attempts ?? 0,
      startedAt: now?.startedAt ?? iso(done?.startedAt) ?? null,
      endedAt: now?.endedAt ?? iso(done?.endedAt) ?? null,
      error: now?.error ?? done?.error ?? null,
      outputSummary: now?.outputSummary ?? null,
      skipReason: now?.skipReason ?? null,
      output: done ? cappedJson(done.output, 4096).json : null,
    };
  });

  const evidence = events
    .filter((e) => e.type === 'step.confirmed')
    .map((e) => {
      const data = e.data as { evidence?: Json; note?: Json };
      return { stepId: e.stepId, actor: e.actor, at: e.at.toISOString(), evidence: cappedJson(data.evidence ?? {}, 8192).json, note: data.note ?? null };
    });

  const timeline = events.map((e) => ({
    seq: e.seq,
    at: e.at.toISOString(),
    type: e.type,
    stepId: e.stepId,
    actor: e.actor,
    ...(TIMELINE_DATA.has(e.type) ? { data: cappedJson(e.data, 2048).json } : {}),
  }));

  const ended = Boolean(run.endedAt) || ENDED_STATUSES.has(run.status) || Boolean(live?.endedAt);
  return {
    runId,
    source: live ? ('temporal' as const) : ('audit' as const),
    runbook: run.runbookName,
    version: run.runbookVersion,
    planHash: run.planHash,
    mode: run.mode,
    services: run.services,
    initiator: run.initiator,
    reason: run.reason,
    state: live?.state ?? run.status,
    ended,
    startedAt: run.startedAt.toISOString(),
    endedAt: iso(run.endedAt) ?? live?.endedAt ?? null,
    verdict: run.verdict,
    rtoMs: run.rtoMs ?? live?.rtoMs ?? null,
    rpoMs: run.rpoMs ?? live?.rpoMs ?? null,
    objectives: run.objectives,
    steps,
    guards: (plan.guards ?? []).map((g) => {
      const state = live?.guards?.find((x) => x.id === g.id);
      return { id: g.id, title: g.title, onViolation: g.onViolation, state: state?.state ?? (ended ? 'ended' : 'watching'), error: state?.error ?? null };
    }),
    waiting: ended ? [] : (live?.waiting ?? []),
    awaitingDecision: ended ? null : (live?.awaitingDecision ?? null),
    evidence,
    timeline,
  };
}

export type RunView = NonNullable<Awaited<ReturnType<typeof runView>>>;

/** For the answer schemas: a run as the list shows it. */
export type RunListItem = Awaited<ReturnType<typeof runList>>['runs'][number];
