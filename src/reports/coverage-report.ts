/**
 * Coverage for a period: every service in the inventory — drilled or not in the period, by which
 * drill types, write-tested or not, overdue, changed since its last drill, and whether a runbook of
 * it ran or was registered in another version since its last passing drill (from src/coverage).
 */
import type { Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { RunbookChangeSincePass } from '../coverage/compute';
import { coverageReport, isDrillRun } from '../coverage/query';
import type { Plan } from '../plan/types';
import { drillType, transactionClasses } from './drill-facts';
import { parsePeriod } from './period';
import { inventoryServices, programmeTimeZone } from './programme';

export interface CoverageRow {
  service: string;
  criticality: string;
  critical: boolean;
  owner: string;
  drilled: boolean;
  /** Passed runs of the service that ended in the period. */
  drills: number;
  drillTypes: string[];
  writeTested: boolean;
  status: string;
  overdue: boolean;
  changedSinceDrill: boolean;
  /** A runbook of it ran or was registered in another version after its last passing drill. */
  changedSinceLastPass: boolean;
  /** Those runbooks: the last pass's version and plan hash, the current one's, when it was seen. */
  runbookChanges: RunbookChangeSincePass[];
  lastDrill: string | null;
}

export interface CoverageMatrix {
  report: 'coverage';
  period: string;
  asOf: string;
  services: CoverageRow[];
  totals: { services: number; drilled: number; writeTested: number; overdue: number; changedSinceDrill: number; changedSinceLastPass: number };
}

/** A runbook changed since its last pass, in one field: `name v1 (hash) -> v2 (hash) <seen at>`. */
export function runbookChangeText(c: RunbookChangeSincePass): string {
  return `${c.runbook} ${c.lastPass.version} (${c.lastPass.planHash.slice(0, 12)}, passed in ${c.lastPass.runId}) -> ${c.current.version} (${c.current.planHash.slice(0, 12)}, ${c.current.source} ${c.current.ref}, ${c.current.at})`;
}

export async function coverageMatrix(db: Kysely<Database>, periodId: string, now = new Date()): Promise<CoverageMatrix> {
  const period = parsePeriod(periodId, await programmeTimeZone(db));
  // Judged at the period's end, or now if the period is still running.
  const asOf = new Date(Math.min(now.getTime(), period.end.getTime() - 1));
  const [services, status] = [await inventoryServices(db), await coverageReport(db, asOf)];
  const byService = new Map(status.services.map((s) => [s.service, s]));
  const runs = await db
    .selectFrom('runs as r')
    .select(['r.run_id', 'r.mode', 'r.services', 'r.plan'])
    .select((eb) =>
      eb.selectFrom('step_results as s').select((e) => e.fn.agg<string[]>('array_agg', ['s.step_id']).as('ids')).whereRef('s.run_id', '=', 'r.run_id').where('s.status', '=', 'completed').as('completed'),
    )
    .where('r.status', '=', 'completed')
    .where('r.verdict', '=', 'pass')
    // What counts as a drill of a service, as in src/coverage: a passed drill or real failover.
    .where('r.mode', 'in', ['drill', 'failover'])
    .where(isDrillRun('r.plan'))
    .where('r.ended_at', '>=', period.start)
    .where('r.ended_at', '<', period.end)
    .where('r.ended_at', '<=', asOf)
    .execute();
  const rows: CoverageRow[] = services.map((s) => {
    const mine = runs.filter((r) => r.services.includes(s.name));
    const types = [...new Set(mine.map((r) => drillType(r.mode)))].sort();
    const writeTested = mine.some((r) => transactionClasses(r.plan as unknown as Plan, new Set(r.completed ?? [])).includes('write'));
    const c = byService.get(s.name);
    return {
      service: s.name, criticality: s.criticality, critical: s.critical, owner: s.owner, drilled: mine.length > 0, drills: mine.length,
      drillTypes: types, writeTested, status: c?.status ?? 'unknown', overdue: c?.status === 'overdue', changedSinceDrill: c?.changedSinceDrill ?? false,
      changedSinceLastPass: c?.changedSinceLastPass ?? false, runbookChanges: c?.runbookChanges ?? [],
      lastDrill: c?.lastDrill?.runId ?? null,
    };
  });
  return {
    report: 'coverage', period: period.id, asOf: asOf.toISOString(), services: rows,
    totals: {
      services: rows.length, drilled: rows.filter((r) => r.drilled).length, writeTested: rows.filter((r) => r.writeTested).length,
      overdue: rows.filter((r) => r.overdue).length, changedSinceDrill: rows.filter((r) => r.changedSinceDrill).length,
      changedSinceLastPass: rows.filter((r) => r.changedSinceLastPass).length,
    },
  };
}
