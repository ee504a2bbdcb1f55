/**
 * The dossier's "What changed since the last drill": this run's runbook version and plan hash, the
 * last earlier drill of the same runbook (mode drill, ended, any verdict), and the diff of the two
 * pinned plans. Both plans are checked against the hash-chained trail: each must hash to the plan hash
 * its run's chained `run.started` names, and the earlier run's chain must verify.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { RunRecord } from '../audit/runs';
import { verifyAuditChain } from '../audit/verify-chain';
import { asRecord, parseBody } from '../audit/verify-runs';
import { isDrillRun } from '../coverage/query';
import { describeChanges, diffPlans, hasChanges, type ChangeLine, type PlanDiff } from '../plan/plan-diff';
import type { Plan } from '../plan/types';
import { planHash } from '../runbook/compile';

export const SINCE_LAST_DRILL_OUTCOMES = ['first drill', 'no change', 'changed'] as const;
export type SinceLastDrillOutcome = (typeof SINCE_LAST_DRILL_OUTCOMES)[number];

export interface SinceLastDrill {
  runbook: string;
  version: string;
  planHash: string;
  /** The last drill of this runbook that started before this run and has ended; null: this is the first. */
  previous: { runId: string; version: string; planHash: string; startedAt: string; endedAt: string; status: string; verdict: string | null } | null;
  outcome: SinceLastDrillOutcome;
  /** null for a first drill. */
  diff: PlanDiff | null;
  /** The diff as lines a person reads (empty for a first drill or no change). */
  changes: ChangeLine[];
  /** Whether both pinned plans agree with the trail; each disagreement named. */
  trail: { ok: boolean; problems: string[] };
}

/** `run` as the runs projection holds it (its pinned plan included). */
export async function sinceLastDrill(db: Kysely<Database>, run: RunRecord): Promise<SinceLastDrill> {
  const row = await db
    .selectFrom('runs')
    .select(['run_id', 'runbook_version', 'plan_hash', 'plan', 'status', 'verdict', 'started_at', 'ended_at'])
    .where('runbook_name', '=', run.runbookName)
    .where('mode', '=', 'drill')
    .where('ended_at', 'is not', null)
    .where('started_at', '<', run.startedAt)
    .where('run_id', '<>', run.runId)
    .where(isDrillRun())
    .orderBy('started_at', 'desc')
    .orderBy('run_id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const problems = await pinnedPlanProblems(db, run.runId, run.plan as unknown as Plan, run.planHash);
  const base = { runbook: run.runbookName, version: run.runbookVersion, planHash: run.planHash };
  if (!row) return { ...base, previous: null, outcome: 'first drill', diff: null, changes: [], trail: { ok: problems.length === 0, problems } };

  problems.push(...(await pinnedPlanProblems(db, row.run_id, row.plan as unknown as Plan, row.plan_hash)));
  const chain = await verifyAuditChain(db, { chainId: row.run_id });
  if (!chain.ok) problems.push(`run ${row.run_id}: its chain is broken at seq ${chain.firstBreak?.seq ?? '?'} (${chain.firstBreak?.reason ?? 'unknown'})`);
  const diff = diffPlans(row.plan as unknown as Plan, row.plan_hash, run.plan as unknown as Plan, run.planHash);
  return {
    ...base,
    previous: {
      runId: row.run_id, version: row.runbook_version, planHash: row.plan_hash, startedAt: row.started_at.toISOString(),
      endedAt: row.ended_at!.toISOString(), status: row.status, verdict: row.verdict,
    },
    outcome: diff.identical && !hasChanges(diff) ? 'no change' : 'changed',
    diff,
    changes: describeChanges(diff),
    trail: { ok: problems.length === 0, problems },
  };
}

/** What is wrong between a run's pinned plan, its projected hash, and the hash its chained `run.started` names. */
async function pinnedPlanProblems(db: Kysely<Database>, runId: string, plan: Plan, projectedHash: string): Promise<string[]> {
  const event = await db.selectFrom('audit_events').select('body').where('key', '=', `${runId}/-/run/started`).where('chain_id', '=', runId).executeTakeFirst();
  const chained = asRecord(parseBody(event?.body ?? null)?.data).planHash;
  const out: string[] = [];
  if (typeof chained !== 'string') out.push(`run ${runId}: no run.started in its chain names a plan hash`);
  else if (chained !== projectedHash) out.push(`run ${runId}: its row's plan hash ${projectedHash} is not the chained ${chained}`);
  let actual: string | null;
  try {
    actual = planHash(plan);
  } catch {
    actual = null;
  }
  if (actual !== projectedHash) out.push(`run ${runId}: its pinned plan hashes to ${actual ?? '(not a plan)'}, not ${projectedHash} (the plan was changed)`);
  return out;
}
