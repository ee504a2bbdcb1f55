/**
 * The benchmarks cannot rot: every case runs with --quick sizes against the run's real Temporal dev
 * server, real PostgreSQL (databases of this run's own) and a real lab (its own root and port block),
 * and reports positive figures in the --json contract. Asserts no time: figures from a busy test
 * machine mean nothing.
 */
import { existsSync } from 'node:fs';
import { contractView, type CaseResult } from '../../bench/case-result';
import { FAILOVER_RUNBOOK } from '../../bench/cases/lab-failover';
import { runBench } from '../../bench/run-bench';

const BASELINE_CASES = ['sequential', 'fan-out', 'concurrent', 'lab failover'];
const OTHER_CASES = ['auditor: service history', 'auditor: half-year coverage', 'auditor: run dossier', 'chain verification'];

let results: CaseResult[];
const log: string[] = [];

beforeAll(async () => {
  const url = new URL(process.env.DATABASE_URL!);
  const base = url.pathname.slice(1);
  url.pathname = '/postgres';
  results = await runBench({
    quick: true,
    pgAdminUrl: url.toString(),
    runDatabase: `${base}_bench_run`,
    auditDatabase: `${base}_bench_audit`,
    labDir: '/tmp/drillbook-lab-bench-smoke',
    labPortBase: 26720,
    log: (line) => log.push(line),
  });
}, 600_000);

/** Present when the failover runbook has a sequence: the same runbook with its members as steps of their own. */
const SEPARATE_STEPS = 'lab failover, critical path as separate steps';

test('every case completes, once, in the --json contract', () => {
  expect(results.map((r) => r.case).filter((c) => c !== SEPARATE_STEPS).sort()).toEqual([...BASELINE_CASES, ...OTHER_CASES].sort());
  for (const r of results) {
    expect({ case: r.case, skipped: r.skipped?.startsWith('failed') ? r.skipped : undefined }).toEqual({ case: r.case, skipped: undefined });
    expect(Object.keys(contractView(r)).filter((k) => k !== 'skipped').sort()).toEqual(
      ['baseline_ms', 'case', 'met', 'ours_ms', 'ratio', 'target'].sort(),
    );
    expect(typeof r.met).toBe('boolean');
    expect(r.target).toMatch(/\S/);
  }
  // One JSON array that survives a round trip.
  expect(JSON.parse(JSON.stringify(results.map(contractView)))).toHaveLength(results.length);
});

test('cases with a baseline report positive medians of both sides and their ratio', () => {
  for (const name of [...BASELINE_CASES, SEPARATE_STEPS]) {
    const r = results.find((x) => x.case === name)!;
    if (!r && name === SEPARATE_STEPS) continue;
    expect(r.baseline_ms).toBeGreaterThan(0);
    if (name === 'lab failover' && !existsSync(FAILOVER_RUNBOOK)) {
      expect(r.skipped).toBe('runbook missing');
      continue;
    }
    expect({ name, skipped: r.skipped }).toEqual({ name, skipped: undefined });
    expect(r.ours_ms).toBeGreaterThan(0);
    expect(r.ratio).toBeCloseTo(r.ours_ms! / r.baseline_ms!, 1);
  }
});

test('the lab failover loses no acknowledged write on either side', () => {
  const r = results.find((x) => x.case === 'lab failover')!;
  expect(r.detail?.notes?.rpoLost).toEqual({ ours: 0, baseline: 0 });
});

test('auditor queries report a positive p95 and verification a positive rate, with no baseline', () => {
  for (const name of OTHER_CASES) {
    const r = results.find((x) => x.case === name)!;
    expect(r.ours_ms).toBeGreaterThan(0);
    expect(r.baseline_ms).toBeNull();
    expect(r.ratio).toBeNull();
  }
  expect(results.find((x) => x.case === 'chain verification')!.detail?.unit).toBe('events/s');
});
