/**
 * Runs the benchmark cases on one Temporal, one PostgreSQL, one machine, and returns one result per
 * case. A case that fails reports its error in the log and `met: false` rather than ending the run,
 * so one broken part never hides the other figures.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../src/audit/database';
import type { CaseResult } from './case-result';
import { auditorQueryCases } from './cases/auditor-queries';
import { chainVerificationCase } from './cases/chain-verification';
import { labFailoverCase } from './cases/lab-failover';
import { concurrentCase, fanOutCase, sequentialCase, type OrchestrationContext } from './cases/orchestration';
import { freshDatabase, startBaselineWorker, startDrillbookWorker, startTemporal } from './environment';
import { FULL, QUICK, type BenchSizes } from './sizes';

export const CASES = ['sequential', 'fan-out', 'concurrent', 'lab-failover', 'auditor-queries', 'chain-verification'] as const;
export type CaseName = (typeof CASES)[number];

export interface BenchOptions {
  quick?: boolean;
  /** Default: every case. */
  cases?: CaseName[];
  /** Overrides the size's repetitions. */
  reps?: number;
  /** A server to create the bench databases on (any database of it). Default from PGHOST… or 127.0.0.1:5432. */
  pgAdminUrl?: string;
  /** The orchestration cases' audit database, recreated each run. */
  runDatabase?: string;
  /** The seeded 1M-event database of the auditor cases, reused while its size matches. */
  auditDatabase?: string;
  labDir?: string;
  labPortBase?: number;
  log?: (line: string) => void;
}

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export async function runBench(options: BenchOptions = {}): Promise<CaseResult[]> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const sizes: BenchSizes = { ...(options.quick ? QUICK : FULL) };
  if (options.reps !== undefined) sizes.reps = options.reps;
  const cases = new Set<CaseName>(options.cases ?? CASES);
  const adminUrl = options.pgAdminUrl ?? DEFAULT_ADMIN_URL;
  const suffix = options.quick ? '_quick' : '';
  const runDatabase = options.runDatabase ?? `drillbook_bench${suffix}`;
  const auditDatabase = options.auditDatabase ?? `drillbook_bench_audit${suffix}`;
  const results: CaseResult[] = [];

  const guarded = async (name: string, fn: () => Promise<CaseResult | CaseResult[]>) => {
    log(`case ${name}...`);
    try {
      const out = await fn();
      results.push(...(Array.isArray(out) ? out : [out]));
    } catch (error) {
      log(`case ${name} FAILED: ${(error as Error).stack ?? String(error)}`);
      results.push({ case: name, ours_ms: null, baseline_ms: null, ratio: null, target: 'completes', met: false, skipped: `failed: ${(error as Error).message}` });
    }
  };

  const needsTemporal = ['sequential', 'fan-out', 'concurrent', 'lab-failover'].some((c) => cases.has(c as CaseName));
  const temporal = needsTemporal ? await startTemporal(log) : undefined;
  let db: Kysely<Database> | undefined;
  try {
    if (temporal) {
      // Pool size: pg's default of 10 would queue 50 concurrent runs' audit writes behind each other.
      db = await freshDatabase(adminUrl, runDatabase, 20);
      const drillbook = await startDrillbookWorker(temporal.address, db);
      const baseline = await startBaselineWorker(temporal.address);
      const ctx: OrchestrationContext = {
        client: temporal.client,
        drillbookQueue: drillbook.taskQueue,
        baselineQueue: baseline.taskQueue,
        reps: sizes.reps,
        warmups: sizes.warmups,
        log,
      };
      try {
        if (cases.has('sequential')) await guarded('sequential', () => sequentialCase(ctx, sizes.sequentialSteps));
        if (cases.has('fan-out')) await guarded('fan-out', () => fanOutCase(ctx, sizes.fanOutSteps));
        if (cases.has('concurrent')) await guarded('concurrent', () => concurrentCase(ctx, sizes.concurrentRuns, sizes.concurrentSteps));
      } finally {
        await drillbook.shutdown();
        await baseline.shutdown();
      }
      if (cases.has('lab-failover')) {
        await guarded('lab-failover', () =>
          labFailoverCase({
            client: temporal.client,
            address: temporal.address,
            db: db!,
            reps: options.reps ?? sizes.failoverReps,
            labDir: options.labDir ?? '/tmp/drillbook-lab-bench',
            labPortBase: options.labPortBase ?? 26700,
            log,
          }),
        );
      }
    }
    if (cases.has('auditor-queries') || cases.has('chain-verification')) {
      const { openSeededDatabase } = await import('./seed-audit');
      const seeded = await openSeededDatabase({ adminUrl, database: auditDatabase, events: sizes.auditEvents, runs: sizes.auditRuns, log });
      try {
        if (cases.has('auditor-queries')) await guarded('auditor-queries', () => auditorQueryCases(seeded, sizes.queryIterations, log));
        if (cases.has('chain-verification')) await guarded('chain-verification', () => chainVerificationCase(seeded.db, sizes.verifyReps, sizes.auditEvents, log));
      } finally {
        await seeded.db.destroy();
      }
    }
  } finally {
    await db?.destroy();
    await temporal?.close();
  }
  return results;
}
