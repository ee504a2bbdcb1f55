/**
 * The coverage report from the database: the inventory as last applied, the programme settings, and
 * the runs that can count (successful drills of the listed services), fed to computeCoverage.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { Cadence } from '../inventory/schema';
import { programmeDb, type ProgrammeSettings } from '../inventory/tables';
import { computeCoverage, type CoverageRun, type CoverageService, type ServiceCoverage } from './compute';

export interface CoverageReport {
  asOf: string;
  timeZone: string;
  dueWithinMs: number;
  services: ServiceCoverage[];
}

/** The settings of the last inventory apply; undefined when none was ever applied. */
export async function programmeSettings(db: Kysely<Database>): Promise<ProgrammeSettings | undefined> {
  const row = await programmeDb(db).selectFrom('inventory_applies').select('settings').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.settings;
}

export async function listCoverageServices(db: Kysely<Database>): Promise<CoverageService[]> {
  const rows = await programmeDb(db).selectFrom('services').selectAll().where('retired_at', 'is', null).orderBy('name').execute();
  return rows.map((r) => ({
    name: r.name,
    owner: r.owner,
    notify: r.notify,
    cadence: r.cadence as Cadence,
    rtoMs: Number(r.rto_ms),
    rpoMs: Number(r.rpo_ms),
    firstAppliedAt: r.first_applied_at,
    entryChangedAt: r.entry_changed_at,
    runbooks: r.runbooks.map((b) => ({ name: b.name, planHash: b.planHash, objectives: b.objectives })),
  }));
}

/**
 * The one test of "this `runs` row is a drill": every coverage and attainment query over `runs` uses
 * it. A campaign's own row (its plan has `kind: 'campaign'`) is not a drill of its services — its
 * phases are, each a run with its own row — so counting it too would count a campaign twice.
 * `column` names the plan column as the query spells it (`r.plan` under an alias).
 */
export function isDrillRun(column: 'plan' | 'r.plan' = 'plan') {
  return sql<boolean>`(${sql.ref(column)} ->> 'kind') IS DISTINCT FROM 'campaign'`;
}

/**
 * Successful drills of `services`: every one since `since` (the periods being judged), plus the
 * latest of each service whenever it was (for "changed since the last drill").
 */
export async function listCountingRuns(db: Kysely<Database>, services: string[], since: Date): Promise<CoverageRun[]> {
  if (!services.length) return [];
  const base = db
    .selectFrom('runs')
    .select(['run_id', 'runbook_name', 'plan_hash', 'mode', 'services', 'status', 'verdict', 'ended_at'])
    .where('status', '=', 'completed')
    .where('verdict', '=', 'pass')
    .where('mode', 'in', ['drill', 'failover'])
    .where('ended_at', 'is not', null)
    .where(isDrillRun())
    // Array overlap, so the GIN index on services answers it.
    .where('services', '&&', sql<string[]>`${services}::text[]`);
  const recent = await base.where('ended_at', '>=', since).execute();
  const latest = await sql<{ run_id: string }>`
    SELECT DISTINCT ON (s) run_id FROM runs, unnest(services) AS s
    WHERE s = ANY(${services}::text[]) AND status = 'completed' AND verdict = 'pass' AND mode IN ('drill', 'failover') AND ended_at IS NOT NULL AND ${isDrillRun()}
    ORDER BY s, ended_at DESC`.execute(db);
  const have = new Set(recent.map((r) => r.run_id));
  const missing = latest.rows.map((r) => r.run_id).filter((id) => !have.has(id));
  const older = missing.length ? await base.where('run_id', 'in', missing).execute() : [];
  return [...recent, ...older].map((r) => ({
    runId: r.run_id,
    runbookName: r.runbook_name,
    planHash: r.plan_hash,
    mode: r.mode,
    services: r.services,
    status: r.status,
    verdict: r.verdict,
    endedAt: r.ended_at,
  }));
}

/**
 * Coverage as of `asOf`.
 * @throws Error when no inventory was ever applied (nothing to judge against).
 */
export async function coverageReport(db: Kysely<Database>, asOf: Date, overrides: { dueWithinMs?: number } = {}): Promise<CoverageReport> {
  const settings = await programmeSettings(db);
  if (!settings) throw new Error('no inventory has been applied: run `drillbook inventory apply FILE` first');
  const services = await listCoverageServices(db);
  // Two years back covers the previous period of every cadence.
  const since = new Date(asOf.getTime() - 2 * 366 * 86_400_000);
  const runs = await listCountingRuns(db, services.map((s) => s.name), since);
  const dueWithinMs = overrides.dueWithinMs ?? settings.dueWithinMs;
  return { asOf: asOf.toISOString(), timeZone: settings.timezone, dueWithinMs, services: computeCoverage(services, runs, { asOf, timeZone: settings.timezone, dueWithinMs }) };
}
