/**
 * Auditor queries at 1M events / 20k runs: p95 of each of the three queries (bench/auditor-queries.ts)
 * over many executions with varied arguments, after a warm-up; plus each query's plan (EXPLAIN
 * ANALYZE) for BENCHMARKS.md.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import type { CaseResult } from '../case-result';
import { halfYearCoverage, runDossier, serviceHistory } from '../auditor-queries';
import { prng, SEED_FROM, SEED_SERVICES, type SeededDatabase } from '../seed-audit';
import { round1, summarize } from '../stats';

const P95_LIMIT_MS = 50;
const HALF_YEARS = Array.from({ length: 6 }, (_, i) => {
  const from = new Date(SEED_FROM);
  from.setUTCMonth(from.getUTCMonth() + 6 * i);
  const to = new Date(from);
  to.setUTCMonth(to.getUTCMonth() + 6);
  return { from, to };
});

interface QueryCase {
  name: string;
  run(random: () => number): Promise<unknown>;
  /** The main statement, for EXPLAIN ANALYZE. */
  explain(): Promise<string[]>;
}

async function explain(db: Kysely<Database>, query: ReturnType<typeof sql>): Promise<string[]> {
  const { rows } = await sql<{ 'QUERY PLAN': string }>`EXPLAIN (ANALYZE, BUFFERS) ${query}`.execute(db);
  return rows.map((r) => r['QUERY PLAN']);
}

export async function auditorQueryCases(seeded: SeededDatabase, iterations: number, log: (line: string) => void): Promise<CaseResult[]> {
  const { db, size } = seeded;
  const pick = <T>(random: () => number, items: T[]) => items[Math.floor(random() * items.length)];
  const cases: QueryCase[] = [
    {
      name: 'auditor: service history',
      run: (random) => serviceHistory(db, pick(random, SEED_SERVICES)),
      explain: () =>
        explain(db, sql`SELECT run_id, started_at FROM runs WHERE services @> ARRAY[${SEED_SERVICES[7]}]::text[] ORDER BY started_at DESC, run_id LIMIT 50`),
    },
    {
      name: 'auditor: half-year coverage',
      run: (random) => {
        const h = pick(random, HALF_YEARS);
        return halfYearCoverage(db, h.from, h.to);
      },
      explain: () =>
        explain(db, sql`SELECT s.service, count(*) FROM runs r CROSS JOIN LATERAL unnest(r.services) AS s(service)
          WHERE r.started_at >= ${HALF_YEARS[2].from} AND r.started_at < ${HALF_YEARS[2].to} AND r.mode = 'drill' GROUP BY s.service`),
    },
    {
      name: 'auditor: run dossier',
      run: (random) => runDossier(db, seeded.runIds(Math.floor(random() * size.runs))),
      explain: () => explain(db, sql`SELECT * FROM audit_events WHERE run_id = ${seeded.runIds(Math.floor(size.runs / 2))} ORDER BY seq, id`),
    },
  ];

  const results: CaseResult[] = [];
  for (const q of cases) {
    const random = prng(42);
    for (let i = 0; i < Math.min(20, iterations); i++) await q.run(random); // warm the cache and the pool
    const samples: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const began = performance.now();
      await q.run(random);
      samples.push(performance.now() - began);
    }
    const stats = summarize(samples);
    const plan = await q.explain();
    log(`  ${q.name}: p95 ${round1(stats.p95)} ms, median ${round1(stats.median)} ms`);
    results.push({
      case: q.name,
      ours_ms: round1(stats.p95),
      baseline_ms: null,
      ratio: null,
      target: `p95 <= ${P95_LIMIT_MS} ms`,
      met: stats.p95 <= P95_LIMIT_MS,
      detail: { unit: 'ms', ours: { ...stats, samples: [] }, notes: { iterations, events: size.events, runs: size.runs, plan } },
    });
  }
  return results;
}
