/**
 * `npm run bench [-- --json] [--quick] [--case a,b] [--reps N]`: drillbook side by side with bare
 * Temporal and a plain failover script; see BENCHMARKS.md. Prints the table (or, with --json, one JSON
 * array per the contract) on stdout, progress on stderr.
 */
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { contractView } from './case-result';
import { formatTable } from './report';
import { CASES, runBench, type CaseName } from './run-bench';

function caseList(value: string): CaseName[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of names) {
    if (!(CASES as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown case "${name}" (cases: ${CASES.join(', ')})`);
  }
  return names as CaseName[];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('bench')
    .description('drillbook benchmarks, side by side with bare Temporal and a plain failover script')
    .option('--json', 'print one JSON array: {case, ours_ms, baseline_ms, ratio, target, met} per case')
    .option('--quick', 'small sizes, one repetition (a smoke check, not figures to quote)')
    .option('--case <names>', `only these cases, comma-separated (${CASES.join(', ')})`, caseList)
    .option('--reps <n>', 'repetitions per side (default 5; quick: 1)', positiveInt)
    .option('--detail <file>', 'also write every figure (samples, history breakdowns) to this JSON file')
    .option('--pg-admin-url <url>', 'PostgreSQL server for the bench databases', process.env.BENCH_PG_ADMIN_URL)
    .exitOverride();
  try {
    program.parse(argv);
  } catch (error) {
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 2;
    return;
  }
  // Expected retries are in the audit trail; the SDK's warnings would only interleave with the output.
  process.env.DRILLBOOK_LOG_LEVEL ??= 'ERROR';
  const opts = program.opts<{ json?: boolean; quick?: boolean; case?: CaseName[]; reps?: number; detail?: string; pgAdminUrl?: string }>();
  const results = await runBench({
    quick: opts.quick,
    cases: opts.case,
    reps: opts.reps,
    pgAdminUrl: opts.pgAdminUrl,
    labDir: process.env.BENCH_LAB_DIR,
    labPortBase: process.env.BENCH_LAB_PORT_BASE ? Number(process.env.BENCH_LAB_PORT_BASE) : undefined,
  });
  if (opts.detail) writeFileSync(opts.detail, `${JSON.stringify(results, null, 2)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(results.map(contractView))}\n`);
  else process.stdout.write(`${formatTable(results)}\n`);
  if (results.some((r) => r.skipped?.startsWith('failed'))) process.exitCode = 1;
}

if (require.main === module) {
  main(process.argv).catch((error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
