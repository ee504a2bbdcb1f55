/**
 * The auditor's three questions, as the benchmark measures them. The history query is the project's
 * own (`listRunHistory`, behind `drillbook history --service`); coverage and the dossier belong to
 * issues not built yet, so their queries are defined here, as the auditor console would need them:
 * - coverage of a half-year: per service, its drills in the window, how many passed, the last passed;
 * - a run's dossier data: the run, its step results and events (`getRunStory`), and the integrity
 *   attestation of its chain (`verifyAuditChain` on that chain alone).
 */
import { sql } from 'kysely';
import type { Db } from '../src/audit/database';
import { listRunHistory, type RunHistoryEntry } from '../src/audit/history';
import { getRunStory, type RunStory } from '../src/audit/run-story';
import { verifyAuditChain, type VerifyResult } from '../src/audit/verify-chain';

/** The 50 newest runs touching `service`, with RTO/RPO attainment. */
export function serviceHistory(db: Db, service: string): Promise<RunHistoryEntry[]> {
  return listRunHistory(db, { service, limit: 50 });
}

export interface CoverageRow {
  service: string;
  drills: number;
  passed: number;
  lastPassedAt: Date | null;
  lastDrillAt: Date;
  bestRtoMs: number | null;
}

/** Per service drilled in [from, to): what an auditor's coverage matrix shows for one half-year. */
export async function halfYearCoverage(db: Db, from: Date, to: Date): Promise<CoverageRow[]> {
  const { rows } = await sql<{
    service: string;
    drills: string;
    passed: string;
    last_passed_at: Date | null;
    last_drill_at: Date;
    best_rto_ms: string | null;
  }>`
    SELECT s.service,
           count(*)::text AS drills,
           count(*) FILTER (WHERE r.verdict = 'pass')::text AS passed,
           max(r.started_at) FILTER (WHERE r.verdict = 'pass') AS last_passed_at,
           max(r.started_at) AS last_drill_at,
           min(r.rto_ms) FILTER (WHERE r.verdict = 'pass')::text AS best_rto_ms
    FROM runs r CROSS JOIN LATERAL unnest(r.services) AS s(service)
    WHERE r.started_at >= ${from} AND r.started_at < ${to} AND r.mode = 'drill'
    GROUP BY s.service
    ORDER BY s.service`.execute(db);
  return rows.map((r) => ({
    service: r.service,
    drills: Number(r.drills),
    passed: Number(r.passed),
    lastPassedAt: r.last_passed_at,
    lastDrillAt: r.last_drill_at,
    bestRtoMs: r.best_rto_ms === null ? null : Number(r.best_rto_ms),
  }));
}

export interface DossierData {
  story: RunStory;
  integrity: VerifyResult;
}

/** Everything one run's dossier shows, from PostgreSQL alone. */
export async function runDossier(db: Db, runId: string): Promise<DossierData> {
  const [story, integrity] = await Promise.all([getRunStory(db, runId), verifyAuditChain(db, { chainId: runId })]);
  return { story, integrity };
}
