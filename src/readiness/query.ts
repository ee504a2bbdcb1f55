/** The readiness projection read back: every runbook's state, or those of some runbooks (the start gate). */
import type { Db } from '../audit/database';
import type { Json } from '../plan/types';
import { readinessDb, type ReadinessState } from './tables';

export interface RunbookReadiness {
  service: string;
  runbook: string;
  planHash: string;
  state: ReadinessState;
  since: string;
  /** The failing pre-check and its output (not ready), or the reason it could not be evaluated (unknown); null when ready. */
  why: { check: string; output: string } | { reason: string } | null;
  lastEvaluatedAt: string;
}

/** Every recorded runbook's readiness, by service then runbook; or only those of `runbooks`. */
export async function readinessStates(db: Db, filter: { runbooks?: string[]; service?: string } = {}): Promise<RunbookReadiness[]> {
  if (filter.runbooks && !filter.runbooks.length) return [];
  let q = readinessDb(db).selectFrom('readiness_states').selectAll().orderBy('service').orderBy('runbook');
  if (filter.runbooks) q = q.where('runbook', 'in', filter.runbooks);
  if (filter.service) q = q.where('service', '=', filter.service);
  return (await q.execute()).map((r) => ({
    service: r.service,
    runbook: r.runbook,
    planHash: r.plan_hash,
    state: r.state,
    since: r.since.toISOString(),
    why: (r.why as Json as RunbookReadiness['why']) ?? null,
    lastEvaluatedAt: r.last_evaluated_at.toISOString(),
  }));
}

/** One line on why a runbook is in its state: `check "dr-healthy" failed: …`, or the reason it is unknown. */
export function describeWhy(r: Pick<RunbookReadiness, 'why'>): string {
  if (!r.why) return '';
  return 'check' in r.why ? `pre-check "${r.why.check}" failed: ${r.why.output}` : r.why.reason;
}
