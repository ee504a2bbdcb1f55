/**
 * RTO/RPO attainment: per service and run, the inventory's target (one source of truth) against what
 * the run measured from its marks (runs.rto_ms/rpo_ms, written by the workflow from the marked steps);
 * a run without a measurement is "not measured". Plus the trend per service over half-years.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../audit/database';
import { isDrillRun } from '../coverage/query';
import { attainment, msOrNull, type Attainment } from './measures';
import { drillType } from './drill-facts';
import { halfYearOf } from './period';
import { inventoryServices, programmeTimeZone } from './programme';

export interface AttainmentRow {
  service: string;
  runId: string;
  period: string;
  drillType: string;
  endedAt: string;
  verdict: string | null;
  rtoTargetMs: number;
  rtoMs: number | null;
  rto: Attainment;
  rpoTargetMs: number;
  rpoMs: number | null;
  rpo: Attainment;
}

export interface TrendRow {
  service: string;
  period: string;
  runs: number;
  rtoMeasured: number;
  rtoMissed: number;
  worstRtoMs: number | null;
  rpoMeasured: number;
  rpoMissed: number;
  worstRpoMs: number | null;
}

export interface AttainmentReport {
  report: 'attainment';
  from: string;
  to: string;
  rows: AttainmentRow[];
  trend: TrendRow[];
}

export async function attainmentReport(db: Kysely<Database>, range: { from: Date; to: Date }): Promise<AttainmentReport> {
  const tz = await programmeTimeZone(db);
  const services = await inventoryServices(db);
  const names = services.map((s) => s.name);
  const runs = names.length
    ? await db
        .selectFrom('runs')
        .select(['run_id', 'mode', 'services', 'verdict', 'ended_at', 'rto_ms', 'rpo_ms'])
        .where('ended_at', 'is not', null)
        // Phases are the drills measured; a campaign's own row is not one (src/coverage/query.ts).
        .where(isDrillRun())
        .where('ended_at', '>=', range.from)
        .where('ended_at', '<', range.to)
        .where('services', '&&', sql<string[]>`${names}::text[]`)
        .orderBy('ended_at')
        .orderBy('run_id')
        .execute()
    : [];
  const rows: AttainmentRow[] = [];
  for (const r of runs) {
    for (const s of services) {
      if (!r.services.includes(s.name)) continue;
      const rtoMs = msOrNull(r.rto_ms);
      const rpoMs = msOrNull(r.rpo_ms);
      rows.push({
        service: s.name, runId: r.run_id, period: halfYearOf(r.ended_at!, tz), drillType: drillType(r.mode), endedAt: r.ended_at!.toISOString(), verdict: r.verdict,
        rtoTargetMs: s.rtoMs, rtoMs, rto: attainment(rtoMs, s.rtoMs), rpoTargetMs: s.rpoMs, rpoMs, rpo: attainment(rpoMs, s.rpoMs),
      });
    }
  }
  const trend = new Map<string, TrendRow>();
  for (const row of rows) {
    const key = `${row.service}\u0000${row.period}`;
    const t = trend.get(key) ?? { service: row.service, period: row.period, runs: 0, rtoMeasured: 0, rtoMissed: 0, worstRtoMs: null, rpoMeasured: 0, rpoMissed: 0, worstRpoMs: null };
    t.runs++;
    if (row.rtoMs !== null) {
      t.rtoMeasured++;
      t.worstRtoMs = Math.max(t.worstRtoMs ?? 0, row.rtoMs);
    }
    if (row.rto === 'missed') t.rtoMissed++;
    if (row.rpoMs !== null) {
      t.rpoMeasured++;
      t.worstRpoMs = Math.max(t.worstRpoMs ?? 0, row.rpoMs);
    }
    if (row.rpo === 'missed') t.rpoMissed++;
    trend.set(key, t);
  }
  const trendRows = [...trend.values()].sort((a, b) => a.service.localeCompare(b.service) || a.period.localeCompare(b.period));
  return { report: 'attainment', from: range.from.toISOString(), to: range.to.toISOString(), rows, trend: trendRows };
}
