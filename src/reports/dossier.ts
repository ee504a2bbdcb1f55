/**
 * The dossier of one run: the formal post-drill record, filled from the trail alone — summary, scope,
 * transaction classes, participants, timeline, RTO/RPO (recomputed from the marks) vs the inventory's
 * targets, what changed since the last drill of the runbook, approvals, deviations, integrity, findings,
 * sign-offs and an evidence index with hashes.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { getRunStory } from '../audit/run-story';
import { verifyAuditChain, type ChainBreak } from '../audit/verify-chain';
import { readRegister, type FindingRecord } from '../findings/register';
import { listSignoffs, type SignoffRecord } from '../findings/signoffs';
import { SIGNOFF_ROLES } from '../findings/tables';
import { canonicalJson } from '../plan/canonical';
import type { Json, Plan } from '../plan/types';
import { drillType, objectivesFromMarks, transactionClasses } from './drill-facts';
import { attainment, msOrNull, type Attainment } from './measures';
import { halfYearOf } from './period';
import { inventoryServices, programmeTimeZone } from './programme';
import { sinceLastDrill, type SinceLastDrill } from './since-last-drill';

export interface DossierStep {
  stepId: string;
  title: string;
  kind: string;
  execution: number;
  status: string;
  attempts: number;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  marks: string[];
}

export interface Dossier {
  report: 'dossier';
  runId: string;
  summary: {
    runbook: string; version: string; planHash: string; mode: string; drillType: string; period: string; scenario: string; reason: string;
    initiator: string; status: string; verdict: string | null; outcome: string; startedAt: string; endedAt: string | null;
  };
  scope: { service: string; critical: boolean; criticality: string | null; inInventory: boolean }[];
  transactionClasses: ('read' | 'write')[];
  participants: { name: string; roles: string[] }[];
  plannedSteps: { stepId: string; title: string; kind: string; marks: string[] }[];
  timeline: DossierStep[];
  objectives: {
    rto: { targetMs: number | null; achievedMs: number | null; recordedMs: number | null; attainment: Attainment };
    rpo: { targetMs: number | null; achievedMs: number | null; recordedMs: number | null; attainment: Attainment };
    /** Runbook objectives that disagree with the inventory's targets (the inventory wins). */
    disagreements: string[];
  };
  /** This run's runbook version and plan against the last earlier drill of the same runbook. */
  sinceLastDrill: SinceLastDrill;
  approvals: { stepId: string | null; actor: string; at: string; type: string }[];
  deviations: { kind: string; stepId: string | null; detail: string; at: string | null }[];
  /** The runbook's check steps (pre-checks, data and write verifications) and how each ended. */
  checks: { stepId: string; title: string; phase: string; status: string }[];
  integrity: { ok: boolean; events: number; firstBreak: ChainBreak | null };
  findings: FindingRecord[];
  signoffs: SignoffRecord[];
  missingSignoffs: string[];
  evidence: { item: string; kind: string; sha256: string }[];
}

/** @throws Error when the trail has no such run. */
export async function buildDossier(db: Kysely<Database>, runId: string): Promise<Dossier> {
  const story = await getRunStory(db, runId);
  if (!story.run) throw new Error(`run ${runId}: no such run in the audit trail`);
  const run = story.run;
  const plan = run.plan as unknown as Plan;
  const tz = await programmeTimeZone(db);
  const inventory = await inventoryServices(db);

  const scope = run.services.map((name) => {
    const s = inventory.find((i) => i.name === name);
    return { service: name, critical: s?.critical ?? false, criticality: s?.criticality ?? null, inInventory: Boolean(s) };
  });
  // Targets: the strictest of the inventory's targets for the services in scope (one source of truth).
  const inScope = inventory.filter((s) => run.services.includes(s.name));
  const rtoTarget = inScope.length ? Math.min(...inScope.map((s) => s.rtoMs)) : null;
  const rpoTarget = inScope.length ? Math.min(...inScope.map((s) => s.rpoMs)) : null;
  const disagreements: string[] = [];
  if (rtoTarget !== null && plan.objectives.rtoMs !== undefined && plan.objectives.rtoMs !== rtoTarget) disagreements.push(`runbook RTO ${plan.objectives.rtoMs} ms, inventory ${rtoTarget} ms`);
  if (rpoTarget !== null && plan.objectives.rpoMs !== undefined && plan.objectives.rpoMs !== rpoTarget) disagreements.push(`runbook RPO ${plan.objectives.rpoMs} ms, inventory ${rpoTarget} ms`);

  const marked = objectivesFromMarks(plan, story.steps.map((s) => ({ stepId: s.stepId, status: s.status, startedAt: s.startedAt, endedAt: s.endedAt, output: s.output })));
  const rtoMs = marked.rtoMs ?? null;
  const rpoMs = marked.rpoMs ?? null;

  const stepsById = new Map(plan.steps.map((s) => [s.id, s]));
  const timeline: DossierStep[] = story.steps
    .filter((s) => s.startedAt !== null)
    .sort((a, b) => a.startedAt!.getTime() - b.startedAt!.getTime() || a.stepId.localeCompare(b.stepId))
    .map((s) => {
      const p = stepsById.get(s.stepId.replace(/#compensate$/, ''));
      return {
        stepId: s.stepId, title: p?.title ?? s.stepId, kind: s.stepId.endsWith('#compensate') ? 'compensation' : (p?.kind ?? 'unknown'), execution: s.execution,
        status: s.status, attempts: s.attempts, startedAt: s.startedAt?.toISOString() ?? null, endedAt: s.endedAt?.toISOString() ?? null,
        durationMs: s.startedAt && s.endedAt ? s.endedAt.getTime() - s.startedAt.getTime() : null, marks: p?.marks ?? [],
      };
    });

  const roles = new Map<string, Set<string>>();
  const role = (name: string, r: string) => {
    if (name === 'drillbook' || name === 'anonymous') return;
    (roles.get(name) ?? roles.set(name, new Set()).get(name)!).add(r);
  };
  role(run.initiator, 'initiator');
  const approvals: Dossier['approvals'] = [];
  const deviations: Dossier['deviations'] = [];
  for (const e of story.events) {
    const at = e.at.toISOString();
    const data = (e.data ?? {}) as Record<string, Json>;
    if (e.type === 'step.confirmed') role(e.actor, 'confirmed a manual step');
    if (e.type === 'approval.granted') {
      role(e.actor, 'approver');
      approvals.push({ stepId: e.stepId, actor: e.actor, at, type: e.type });
    }
    if (e.type === 'decision.applied') {
      role(e.actor, 'decided on a failure');
      deviations.push({ kind: 'decision', stepId: e.stepId, detail: `${String(data.decision ?? '')}${data.reason ? `: ${String(data.reason)}` : ''} (by ${e.actor})`, at });
    }
    if (e.type === 'signoff.recorded') role(e.actor, `sign-off: ${String(data.role)}`);
    if (e.type === 'step.skipped') deviations.push({ kind: 'skipped', stepId: e.stepId, detail: String(data.reason ?? 'skipped'), at });
    if (e.type === 'run.paused') deviations.push({ kind: 'pause', stepId: e.stepId, detail: String(data.error ?? data.guard ?? 'paused'), at });
    if (e.type === 'step.attempt_failed') deviations.push({ kind: 'retry', stepId: e.stepId, detail: String(data.message ?? data.error ?? 'attempt failed'), at });
    if (e.type === 'action.refused') deviations.push({ kind: 'refused action', stepId: e.stepId, detail: `${String(data.action)} by ${e.actor}: ${String(data.message ?? '')}`, at });
    if (e.type === 'run.abort_requested') deviations.push({ kind: 'abort', stepId: null, detail: `${String(data.reason ?? '')} (by ${e.actor})`, at });
  }
  for (const s of story.steps) if (s.status === 'skipped' && !deviations.some((d) => d.kind === 'skipped' && d.stepId === s.stepId)) deviations.push({ kind: 'skipped', stepId: s.stepId, detail: s.error ?? 'skipped', at: null });

  const integrity = await verifyAuditChain(db, { chainId: runId });
  const register = await readRegister(db, { runId });
  const signoffs = await listSignoffs(db, runId);
  const completed = new Set(story.steps.filter((s) => s.status === 'completed').map((s) => s.stepId));
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const evidence: Dossier['evidence'] = [
    { item: 'plan', kind: 'compiled runbook (plan hash)', sha256: run.planHash },
    ...story.steps.filter((s) => s.output !== null).map((s) => ({ item: `${s.stepId}#${s.execution}`, kind: 'step output', sha256: sha(canonicalJson(s.output)) })),
    ...story.events.map((e) => ({ item: `${e.chainId}#${e.seq} ${e.type}`, kind: 'audit event', sha256: e.hash })),
  ];
  const outcome = run.verdict === 'pass' ? 'pass' : run.verdict === 'partial' ? 'partial' : run.verdict === 'fail' ? 'fail' : 'not ended';
  return {
    report: 'dossier', runId,
    summary: {
      runbook: run.runbookName, version: run.runbookVersion, planHash: run.planHash, mode: run.mode, drillType: drillType(run.mode), period: halfYearOf(run.startedAt, tz),
      scenario: plan.runbook?.description ?? run.runbookName, reason: run.reason, initiator: run.initiator, status: run.status, verdict: run.verdict, outcome,
      startedAt: run.startedAt.toISOString(), endedAt: run.endedAt?.toISOString() ?? null,
    },
    scope,
    transactionClasses: transactionClasses(plan, completed),
    participants: [...roles.entries()].map(([name, r]) => ({ name, roles: [...r].sort() })).sort((a, b) => a.name.localeCompare(b.name)),
    plannedSteps: plan.steps.map((s) => ({ stepId: s.id, title: s.title, kind: s.kind, marks: s.marks })),
    timeline,
    objectives: {
      rto: { targetMs: rtoTarget, achievedMs: rtoMs, recordedMs: msOrNull(run.rtoMs), attainment: attainment(rtoMs, rtoTarget) },
      rpo: { targetMs: rpoTarget, achievedMs: rpoMs, recordedMs: msOrNull(run.rpoMs), attainment: attainment(rpoMs, rpoTarget) },
      disagreements,
    },
    sinceLastDrill: await sinceLastDrill(db, run),
    approvals, deviations,
    checks: plan.steps
      .filter((p) => p.kind === 'check')
      .map((p) => ({ stepId: p.id, title: p.title, phase: p.phase, status: [...story.steps].reverse().find((x) => x.stepId === p.id)?.status ?? 'not run' })),
    integrity: { ok: integrity.ok, events: integrity.events, firstBreak: integrity.firstBreak ?? null },
    findings: register.findings,
    signoffs,
    missingSignoffs: SIGNOFF_ROLES.filter((r) => !signoffs.some((s) => s.role === r)),
    evidence,
  };
}
