/**
 * The dossier of one campaign: its header (name, version, hash, mode, initiator, start, end, total
 * duration, verdict), its phases on one timeline with their durations, RTO/RPO against the targets,
 * capacity figures and verdicts, and each phase's run dossier (src/reports/dossier.ts) inside. Every
 * figure from the trail: the campaign's own events (each `campaign.phase_ended` keeps what its phase
 * measured) and each phase's run.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { getRunStory } from '../audit/run-story';
import { getRun } from '../audit/runs';
import { verifyAuditChain } from '../audit/verify-chain';
import type { PhaseRecord } from '../plan/campaign';
import type { Json } from '../plan/types';
import { capacityFromFigures, type CapacityFigures } from './capacity-figures';
import { buildDossier, type Dossier } from './dossier';
import { attainment, type Attainment } from './measures';

/** The subject is not there: no such run, or a run that is no campaign. */
export class CampaignDossierNotFound extends Error {}

export interface CampaignObjective {
  achievedMs: number | null;
  targetMs: number | null;
  attainment: Attainment;
}

/** One execution of a phase (a retry is another), as the campaign recorded its end. */
export interface CampaignPhaseExecution {
  phaseId: string;
  title: string;
  runbook: string;
  execution: number;
  runId: string;
  state: string;
  verdict: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  rto: CampaignObjective;
  rpo: CampaignObjective;
  /** Where the targets come from: the inventory, or the runbook's objectives. */
  targetsFrom: string | null;
  capacity: CapacityFigures | null;
  figures: Record<string, Json> | null;
  error: string | null;
  skipReason: string | null;
}

export interface CampaignDossier {
  report: 'campaign-dossier';
  campaignId: string;
  summary: {
    campaign: string; version: string; campaignHash: string; mode: string; initiator: string; reason: string;
    status: string; verdict: string | null; startedAt: string; endedAt: string | null; durationMs: number | null;
  };
  /** Every phase execution in order (a retried phase shows each), with its figures. */
  phases: CampaignPhaseExecution[];
  /** Phases planned but never started (the campaign was aborted before them). */
  notStarted: { phaseId: string; title: string; runbook: string }[];
  /** Decisions on failed phases, pauses and the abort, from the campaign's chain. */
  events: { type: string; phaseId: string | null; actor: string; at: string; detail: string }[];
  totals: { durationMs: number | null; rtoMs: number | null; worstRpoMs: number | null };
  capacity: CapacityFigures | null;
  integrity: { ok: boolean; events: number };
  /** Each execution's run dossier, in the order of `phases`. */
  dossiers: Dossier[];
}

const numOrNull = (v: Json | undefined): number | null => (typeof v === 'number' ? v : null);
const strOrNull = (v: Json | undefined): string | null => (typeof v === 'string' ? v : null);

/** @throws CampaignDossierNotFound when `campaignId` is no run, or a run that is no campaign. */
export async function buildCampaignDossier(db: Kysely<Database>, campaignId: string): Promise<CampaignDossier> {
  const story = await getRunStory(db, campaignId);
  const run = story.run;
  if (!run) throw new CampaignDossierNotFound(`no campaign ${campaignId} in the audit trail`);
  const plan = run.plan as { kind?: string; runbook?: { version?: string }; phases?: Array<{ id: string; title: string; runbook: string }> };
  if (plan.kind !== 'campaign') {
    throw new CampaignDossierNotFound(`${campaignId} is a run of runbook ${run.runbookName}, not a campaign (its dossier: drillbook report dossier ${campaignId})`);
  }
  const planned = plan.phases ?? [];

  const phases: CampaignPhaseExecution[] = [];
  const events: CampaignDossier['events'] = [];
  let endRecord: { durationMs?: number; phases?: Array<{ id?: string; runId?: string; state?: string; skipReason?: string }> } | undefined;
  for (const e of story.events) {
    const data = (e.data ?? {}) as { [k: string]: Json | undefined };
    const at = e.at.toISOString();
    if (e.type === 'campaign.phase_ended') phases.push(execution(data as unknown as PhaseRecord & { [k: string]: Json }));
    else if (e.type === 'run.paused') events.push({ type: 'paused', phaseId: e.stepId, actor: e.actor, at, detail: String(data.error ?? '') });
    else if (e.type === 'decision.applied') events.push({ type: 'decision', phaseId: e.stepId, actor: e.actor, at, detail: `${String(data.decision ?? '')}${data.reason ? `: ${String(data.reason)}` : ''}` });
    else if (e.type === 'run.abort_requested') events.push({ type: 'abort', phaseId: e.stepId, actor: e.actor, at, detail: String(data.reason ?? '') });
    else if (e.type === 'run.completed' || e.type === 'run.aborted') endRecord = obj(data.campaign) as typeof endRecord;
  }
  // A phase's end event is written before the decision on it: the campaign's end record has the last word (skipped).
  for (const final of endRecord?.phases ?? []) {
    const p = [...phases].reverse().find((x) => x.runId === final.runId);
    if (p && final.state) Object.assign(p, { state: final.state, skipReason: final.skipReason ?? p.skipReason });
  }
  // A phase started and not (yet) ended: its run so far.
  for (const e of story.events.filter((x) => x.type === 'campaign.phase_started')) {
    const data = (e.data ?? {}) as { runId?: string; phase?: string; execution?: number };
    if (!data.runId || phases.some((p) => p.runId === data.runId)) continue;
    const p = planned.find((x) => x.id === data.phase);
    phases.push({
      phaseId: String(data.phase), title: p?.title ?? String(data.phase), runbook: p?.runbook ?? '', execution: data.execution ?? 1, runId: data.runId, state: 'running', verdict: null,
      startedAt: e.at.toISOString(), endedAt: null, durationMs: null, rto: objective(null, null), rpo: objective(null, null), targetsFrom: null, capacity: null, figures: null, error: null, skipReason: null,
    });
  }
  const started = new Set(phases.map((p) => p.phaseId));
  // A phase skipped by a decision keeps its record; the latest execution per phase stands for it.
  const latest = [...new Map(phases.map((p) => [p.phaseId, p])).values()];
  const dossiers: Dossier[] = [];
  for (const p of phases) if (await getRun(db, p.runId)) dossiers.push(await buildDossier(db, p.runId));
  const integrity = await verifyAuditChain(db, { chainId: campaignId });
  const rtos = latest.map((p) => p.rto.achievedMs).filter((v): v is number => v !== null);
  const rpos = latest.map((p) => p.rpo.achievedMs).filter((v): v is number => v !== null);
  const durationMs = endRecord?.durationMs ?? (run.endedAt ? run.endedAt.getTime() - run.startedAt.getTime() : null);
  return {
    report: 'campaign-dossier',
    campaignId,
    summary: {
      campaign: run.runbookName, version: run.runbookVersion, campaignHash: run.planHash, mode: run.mode, initiator: run.initiator, reason: run.reason,
      status: run.status, verdict: run.verdict, startedAt: run.startedAt.toISOString(), endedAt: run.endedAt?.toISOString() ?? null, durationMs,
    },
    phases,
    notStarted: planned.filter((p) => !started.has(p.id)).map((p) => ({ phaseId: p.id, title: p.title, runbook: p.runbook })),
    events,
    totals: { durationMs, rtoMs: rtos.length ? rtos.reduce((a, b) => a + b, 0) : null, worstRpoMs: rpos.length ? Math.max(...rpos) : null },
    capacity: latest.map((p) => p.capacity).find((c) => c !== null) ?? null,
    integrity: { ok: integrity.ok, events: integrity.events },
    dossiers,
  };
}

function obj(v: Json | undefined): { [k: string]: Json | undefined } | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as { [k: string]: Json | undefined }) : undefined;
}

function objective(achievedMs: number | null, targetMs: number | null): CampaignObjective {
  return { achievedMs, targetMs, attainment: attainment(achievedMs, targetMs) };
}

/** A phase's record as its `campaign.phase_ended` event keeps it. */
function execution(r: { [k: string]: Json | undefined }): CampaignPhaseExecution {
  const targets = obj(r.targets);
  const figures = (obj(r.figures) ?? null) as Record<string, Json> | null;
  return {
    phaseId: String(r.id), title: String(r.title ?? r.id), runbook: String(r.runbook ?? ''), execution: numOrNull(r.execution) ?? 1, runId: String(r.runId ?? ''),
    state: String(r.state ?? 'unknown'), verdict: strOrNull(r.verdict), startedAt: strOrNull(r.startedAt), endedAt: strOrNull(r.endedAt), durationMs: numOrNull(r.durationMs),
    rto: objective(numOrNull(r.rtoMs), numOrNull(targets?.rtoMs)),
    rpo: objective(numOrNull(r.rpoMs), numOrNull(targets?.rpoMs)),
    targetsFrom: strOrNull(targets?.source),
    capacity: capacityFromFigures(figures),
    figures,
    error: strOrNull(r.error),
    skipReason: strOrNull(r.skipReason),
  };
}
