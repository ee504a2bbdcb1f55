/**
 * The coverage report from the database: the inventory as last applied, the programme settings, and
 * the runs that can count (successful drills of the listed services), fed to computeCoverage.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { Cadence } from '../inventory/schema';
import { programmeDb, type ProgrammeSettings } from '../inventory/tables';
import { computeCoverage, type CoverageRun, type CoverageService, type RunbookSinceLastPass, type ServiceCoverage } from './compute';

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
 * Successful drills of `services`: every one since `since` (the periods being judged), plus the runs
 * `lastPasses` names whenever they ended — the last pass of each service and runbook, from
 * listSinceLastPass (so the latest of each service is there, for "changed since the last drill").
 */
export async function listCountingRuns(db: Kysely<Database>, services: string[], since: Date, lastPasses: readonly string[]): Promise<CoverageRun[]> {
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
  const have = new Set(recent.map((r) => r.run_id));
  const missing = [...new Set(lastPasses)].filter((id) => !have.has(id));
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

interface SinceLastPassRow {
  service: string;
  runbook_name: string;
  run_id: string;
  runbook_version: string;
  plan_hash: string;
  ended_at: Date;
  run_ref: string | null;
  run_version: string | null;
  run_hash: string | null;
  run_at: Date | null;
  reg_ref: string | null;
  reg_version: string | null;
  reg_hash: string | null;
  reg_at: Date | null;
}

/**
 * Per service and runbook: its last passing drill as of `asOf` (one pass over the passing drills,
 * which also gives listCountingRuns each service's latest), and the newest later record of the
 * runbook for the service — a run of it (started after the pass started, any mode and outcome; not a
 * campaign's own row) or a registration for real use — whichever is newer. Runs rows are checked
 * against their chained run.started by `audit verify`; registrations are appended with their event.
 */
export async function listSinceLastPass(db: Kysely<Database>, services: string[], asOf: Date): Promise<Map<string, RunbookSinceLastPass[]>> {
  const out = new Map<string, RunbookSinceLastPass[]>();
  if (!services.length) return out;
  // The registry's table (src/real-runs/tables.ts): append-only, each row written with its event.
  const registrations = sql.table('runbook_registrations');
  const { rows } = await sql<SinceLastPassRow>`
    WITH pass AS (
      SELECT DISTINCT ON (s, runbook_name) s AS service, runbook_name, run_id, runbook_version, plan_hash, started_at, ended_at
      FROM runs, unnest(services) AS s
      WHERE s = ANY(${services}::text[]) AND status = 'completed' AND verdict = 'pass' AND mode IN ('drill', 'failover')
        AND ended_at IS NOT NULL AND ended_at <= ${asOf} AND ${isDrillRun()}
      ORDER BY s, runbook_name, ended_at DESC, run_id DESC
    )
    SELECT p.service, p.runbook_name, p.run_id, p.runbook_version, p.plan_hash, p.ended_at,
      lr.run_id AS run_ref, lr.runbook_version AS run_version, lr.plan_hash AS run_hash, lr.started_at AS run_at,
      rg.request_id AS reg_ref, rg.runbook_version AS reg_version, rg.plan_hash AS reg_hash, rg.recorded_at AS reg_at
    FROM pass p
    LEFT JOIN LATERAL (
      SELECT r.run_id, r.runbook_version, r.plan_hash, r.started_at FROM runs r
      WHERE r.runbook_name = p.runbook_name AND r.services @> ARRAY[p.service]::text[] AND r.started_at > p.started_at
        AND r.started_at <= ${asOf} AND r.run_id <> p.run_id AND ${isDrillRun('r.plan')}
      ORDER BY r.started_at DESC, r.run_id DESC LIMIT 1
    ) lr ON true
    LEFT JOIN LATERAL (
      SELECT g.request_id, g.runbook_version, g.plan_hash, g.recorded_at FROM ${registrations} g
      WHERE g.runbook_name = p.runbook_name AND g.services @> ARRAY[p.service]::text[] AND g.action = 'registered'
        AND g.recorded_at > p.started_at AND g.recorded_at <= ${asOf}
      ORDER BY g.recorded_at DESC, g.id DESC LIMIT 1
    ) rg ON true`.execute(db);
  for (const r of rows) {
    const run = r.run_ref !== null ? { source: 'run' as const, ref: r.run_ref, version: r.run_version!, planHash: r.run_hash!, at: r.run_at! } : null;
    const reg = r.reg_ref !== null ? { source: 'registration' as const, ref: r.reg_ref, version: r.reg_version!, planHash: r.reg_hash!, at: r.reg_at! } : null;
    const latest = run && reg ? (reg.at > run.at ? reg : run) : (run ?? reg);
    const list = out.get(r.service) ?? [];
    list.push({ runbook: r.runbook_name, lastPass: { runId: r.run_id, version: r.runbook_version, planHash: r.plan_hash, endedAt: r.ended_at }, latest });
    out.set(r.service, list);
  }
  return out;
}

/**
 * Coverage as of `asOf`.
 * @throws Error when no inventory was ever applied (nothing to judge against).
 */
export async function coverageReport(db: Kysely<Database>, asOf: Date, overrides: { dueWithinMs?: number } = {}): Promise<CoverageReport> {
  const settings = await programmeSettings(db);
  if (!settings) throw new Error('no inventory has been applied: run `drillbook inventory apply FILE` first');
  const listed = await listCoverageServices(db);
  const sinceLastPass = await listSinceLastPass(db, listed.map((s) => s.name), asOf);
  const services = listed.map((s) => ({ ...s, sinceLastPass: sinceLastPass.get(s.name) ?? [] }));
  // Two years back covers the previous period of every cadence.
  const since = new Date(asOf.getTime() - 2 * 366 * 86_400_000);
  const lastPasses = [...sinceLastPass.values()].flatMap((list) => list.map((x) => x.lastPass.runId));
  const runs = await listCountingRuns(db, services.map((s) => s.name), since, lastPasses);
  const dueWithinMs = overrides.dueWithinMs ?? settings.dueWithinMs;
  return { asOf: asOf.toISOString(), timeZone: settings.timezone, dueWithinMs, services: computeCoverage(services, runs, { asOf, timeZone: settings.timezone, dueWithinMs }) };
}
