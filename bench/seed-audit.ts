/**
 * Seeds an audit database of its own for the auditor cases: `runs` runs of ~events/runs events each
 * (run.started, step.started/step.completed per step, run.completed), their step results and chain
 * heads, over three years of half-years and 40 services. Deterministic: the same sizes give the same
 * rows, so a seeded database is reused while its size matches.
 *
 * A bulk path, not appendAuditEvents: one INSERT … SELECT FROM unnest(…) of 5 000 rows at a time. It
 * builds each body and hash with the writer's own functions (eventBodyJson, chainHash), so the chains
 * are exactly what the writer would have made; `audit verify` over them (the chain-verification case)
 * proves it.
 *
 *   node dist/bench/seed-audit.js [--events 1000000] [--runs 20000] [--database drillbook_bench_audit]
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from '../src/audit/database';
import { createDb } from '../src/audit/database';
import { eventBodyJson } from '../src/audit/event-body';
import { chainHash, GENESIS_HASH } from '../src/audit/hash-chain';
import { migrateToLatest } from '../src/audit/migrate';
import { canonicalJson } from '../src/plan/canonical';
import type { Plan } from '../src/plan/types';
import { planHash } from '../src/runbook/compile';
import { checkDatabaseName, databaseUrl, withAdmin } from './environment';

export const SEED_SERVICES = Array.from({ length: 40 }, (_, i) => `svc-${String(i + 1).padStart(3, '0')}`);
const RUNBOOKS = ['failover-to-dr', 'verify-dr-capacity', 'restore-primary'];
/** Six half-years, 2024-H1 … 2026-H2: runs are spread evenly over them. */
export const SEED_FROM = Date.UTC(2024, 0, 1);
export const SEED_TO = Date.UTC(2027, 0, 1);
const ROWS_PER_INSERT = 5_000;

export interface SeedSize {
  events: number;
  runs: number;
}

export interface SeededDatabase {
  db: Kysely<Database>;
  size: SeedSize;
  /** The seeded run ids are `seedRunId(i)` for i in [0, runs). */
  runIds: (index: number) => string;
}

export function seedRunId(index: number): string {
  return `drill-seed-${String(index).padStart(7, '0')}`;
}

/** A small deterministic generator (mulberry32): reproducible data without Math.random. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface RunSeed {
  runId: string;
  runbook: string;
  service: string;
  startedAt: number;
  verdict: 'pass' | 'partial' | 'fail';
  steps: string[];
  rtoMs: number;
}

function describeRun(index: number, size: SeedSize, random: () => number): RunSeed {
  const perRun = Math.floor(size.events / size.runs) + (index < size.events % size.runs ? 1 : 0);
  // run.started + run.completed, then two events per step (a last odd event is a manual step's completion, which the workflow records: no step_results row).
  const stepCount = Math.max(0, Math.floor((perRun - 2) / 2));
  const span = SEED_TO - SEED_FROM;
  const startedAt = SEED_FROM + Math.floor((index / size.runs) * span) + Math.floor(random() * 60_000);
  const roll = random();
  return {
    runId: seedRunId(index),
    runbook: RUNBOOKS[index % RUNBOOKS.length],
    service: SEED_SERVICES[Math.floor(random() * SEED_SERVICES.length)],
    startedAt: Math.floor(startedAt),
    verdict: roll < 0.85 ? 'pass' : roll < 0.95 ? 'partial' : 'fail',
    steps: Array.from({ length: stepCount }, (_, s) => `step-${String(s + 1).padStart(2, '0')}`),
    rtoMs: 200 + Math.floor(random() * 2000),
  };
}

interface EventRows {
  chain_id: string[];
  seq: number[];
  key: string[];
  run_id: string[];
  type: string[];
  step_id: (string | null)[];
  actor: string[];
  at: string[];
  body: string[];
  prev_hash: string[];
  hash: string[];
}

function emptyEvents(): EventRows {
  return { chain_id: [], seq: [], key: [], run_id: [], type: [], step_id: [], actor: [], at: [], body: [], prev_hash: [], hash: [] };
}

/** The run's events, chained exactly as appendAuditEvents chains them; returns the head. */
function runEvents(run: RunSeed, perRun: number, out: EventRows): { seq: number; hash: string } {
  let seq = 0;
  let prev = GENESIS_HASH;
  let at = run.startedAt;
  const push = (key: string, type: string, stepId: string | null, actor: string, data: unknown) => {
    seq++;
    const iso = new Date(at).toISOString();
    const body = eventBodyJson({ chainId: run.runId, seq, key, type, runId: run.runId, stepId, actor, at: iso }, canonicalJson(data));
    const hash = chainHash(prev, body);
    out.chain_id.push(run.runId);
    out.seq.push(seq);
    out.key.push(key);
    out.run_id.push(run.runId);
    out.type.push(type);
    out.step_id.push(stepId);
    out.actor.push(actor);
    out.at.push(iso);
    out.body.push(body);
    out.prev_hash.push(prev);
    out.hash.push(hash);
    prev = hash;
  };
  push(`${run.runId}/-/run/started`, 'run.started', null, 'alice', {
    runbook: run.runbook, runbookVersion: '1.0.0', planHash: planHash(seedPlan(run)), mode: 'drill', params: {}, services: [run.service],
    reason: 'semiannual drill', temporalRunId: null,
  });
  for (const step of run.steps) {
    at += 5;
    push(`${run.runId}/${step}/1/step/started`, 'step.started', step, 'drillbook-worker', { execution: 1, attempt: 1, adapter: 'noop', site: null });
    at += 40;
    push(`${run.runId}/${step}/1/step/completed`, 'step.completed', step, 'drillbook-worker', {
      execution: 1, attempt: 1, durationMs: 40, evidence: { ok: true },
    });
  }
  if (seq + 1 < perRun) push(`${run.runId}/notify/1/completed`, 'step.completed', 'notify', 'drillbook', { execution: 1, kind: 'manual' });
  at += 5;
  push(`${run.runId}/-/run/ended`, 'run.completed', null, 'drillbook', {
    state: 'completed', verdict: run.verdict, rtoMs: run.rtoMs, rpoMs: 0,
  });
  return { seq, hash: prev };
}

/** The run's pinned plan, as small as the auditor's queries need; its hash is what `audit verify` recomputes. */
function seedPlan(run: RunSeed): Plan {
  return { planVersion: 1, runbook: { name: run.runbook, version: '1.0.0' }, steps: run.steps.map((id) => ({ id, kind: 'action' })) } as unknown as Plan;
}

async function insertEvents(db: Kysely<Database>, rows: EventRows): Promise<void> {
  if (rows.seq.length === 0) return;
  await sql`
    INSERT INTO audit_events (chain_id, seq, key, run_id, type, step_id, actor, at, body, prev_hash, hash)
    SELECT * FROM unnest(${rows.chain_id}::text[], ${rows.seq}::bigint[], ${rows.key}::text[], ${rows.run_id}::text[],
      ${rows.type}::text[], ${rows.step_id}::text[], ${rows.actor}::text[], ${rows.at}::timestamptz[], ${rows.body}::text[],
      ${rows.prev_hash}::text[], ${rows.hash}::text[])`.execute(db);
}

async function insertRuns(db: Kysely<Database>, runs: RunSeed[], heads: { seq: number; hash: string }[]): Promise<void> {
  const plans = runs.map((r) => JSON.stringify(seedPlan(r)));
  await sql`
    INSERT INTO runs (run_id, runbook_name, runbook_version, plan_hash, plan, mode, services, initiator, reason, objectives,
      status, verdict, started_at, ended_at, rto_ms, rpo_ms)
    SELECT run_id, runbook, '1.0.0', plan_hash, plan::jsonb, 'drill', ARRAY[service], 'alice', 'semiannual drill',
      '{"rtoMs":300000,"rpoMs":0}'::jsonb, 'completed', verdict, started_at, started_at + interval '1 millisecond' * (45 * steps + 5), rto_ms, 0
    FROM unnest(${runs.map((r) => r.runId)}::text[], ${runs.map((r) => r.runbook)}::text[], ${runs.map((r) => planHash(seedPlan(r)))}::text[],
      ${plans}::text[], ${runs.map((r) => r.service)}::text[], ${runs.map((r) => r.verdict)}::text[],
      ${runs.map((r) => new Date(r.startedAt).toISOString())}::timestamptz[], ${runs.map((r) => r.steps.length)}::int[],
      ${runs.map((r) => r.rtoMs)}::bigint[])
      AS t(run_id, runbook, plan_hash, plan, service, verdict, started_at, steps, rto_ms)`.execute(db);
  await sql`
    INSERT INTO audit_chain_heads (chain_id, last_seq, last_hash)
    SELECT * FROM unnest(${runs.map((r) => r.runId)}::text[], ${heads.map((h) => h.seq)}::bigint[], ${heads.map((h) => h.hash)}::text[])`.execute(db);
  const stepRuns: string[] = [];
  const stepIds: string[] = [];
  const stepStarts: string[] = [];
  for (const r of runs) {
    r.steps.forEach((id, s) => {
      stepRuns.push(r.runId);
      stepIds.push(id);
      stepStarts.push(new Date(r.startedAt + s * 45 + 5).toISOString());
    });
  }
  await sql`
    INSERT INTO step_results (run_id, step_id, execution, status, attempts, started_at, ended_at, output)
    SELECT run_id, step_id, 1, 'completed', 1, started_at, started_at + interval '40 milliseconds', '{"ok":true}'::jsonb
    FROM unnest(${stepRuns}::text[], ${stepIds}::text[], ${stepStarts}::timestamptz[]) AS t(run_id, step_id, started_at)`.execute(db);
}

/** Seeds an empty, migrated database. */
export async function seedAuditTrail(db: Kysely<Database>, size: SeedSize, log: (line: string) => void): Promise<void> {
  if (size.runs < 1 || size.events < size.runs * 2) throw new Error(`seed size: need runs >= 1 and events >= 2 * runs (got ${size.events}/${size.runs})`);
  const random = prng(20261125);
  const began = performance.now();
  let events = emptyEvents();
  let runs: RunSeed[] = [];
  let heads: { seq: number; hash: string }[] = [];
  let written = 0;
  for (let i = 0; i < size.runs; i++) {
    const run = describeRun(i, size, random);
    const perRun = Math.floor(size.events / size.runs) + (i < size.events % size.runs ? 1 : 0);
    heads.push(runEvents(run, perRun, events));
    runs.push(run);
    if (events.seq.length >= ROWS_PER_INSERT || i === size.runs - 1) {
      await db.transaction().execute(async (trx) => {
        // A benchmark's seed: losing it in a crash costs a re-seed, nothing else.
        await sql`SET LOCAL synchronous_commit = off`.execute(trx);
        await insertRuns(trx, runs, heads);
        await insertEvents(trx, events);
      });
      written += events.seq.length;
      events = emptyEvents();
      runs = [];
      heads = [];
      if (i === size.runs - 1 || written % 100_000 < ROWS_PER_INSERT) {
        log(`  seeded ${written.toLocaleString('en-US')} events (${Math.round(performance.now() - began)} ms)`);
      }
    }
  }
  await sql`VACUUM ANALYZE`.execute(db);
}

/**
 * Opens `database` seeded to `size`: reuses it when its counts match, else recreates and seeds it.
 * The caller destroys `db`.
 */
export async function openSeededDatabase(options: SeedSize & {
  adminUrl: string;
  database: string;
  log: (line: string) => void;
}): Promise<SeededDatabase> {
  const name = checkDatabaseName(options.database);
  const size = { events: options.events, runs: options.runs };
  const exists = await withAdmin(options.adminUrl, async (admin) => (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1);
  if (exists) {
    const db = createDb(databaseUrl(options.adminUrl, name));
    try {
      await migrateToLatest(db);
      const counts = await sql<{ runs: string; events: string }>`
        SELECT (SELECT count(*) FROM runs)::text AS runs, (SELECT count(*) FROM audit_events)::text AS events`.execute(db);
      const row = counts.rows[0];
      if (Number(row.runs) === size.runs && Number(row.events) === size.events) {
        options.log(`audit seed: reusing ${name} (${size.events.toLocaleString('en-US')} events, ${size.runs.toLocaleString('en-US')} runs)`);
        return { db, size, runIds: seedRunId };
      }
    } catch {
      // not ours or not migratable: recreate below
    }
    await db.destroy();
  }
  options.log(`audit seed: creating ${name} with ${size.events.toLocaleString('en-US')} events, ${size.runs.toLocaleString('en-US')} runs`);
  await withAdmin(options.adminUrl, async (admin) => {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const db = createDb(databaseUrl(options.adminUrl, name));
  await migrateToLatest(db);
  await seedAuditTrail(db, size, options.log);
  return { db, size, runIds: seedRunId };
}

async function seedMain(argv: string[]): Promise<void> {
  const { Command } = await import('commander');
  const program = new Command('seed-audit')
    .description('seed an audit database for the auditor benchmarks (valid hash chains, deterministic)')
    .option('--events <n>', 'audit events', (v) => Number(v), 1_000_000)
    .option('--runs <n>', 'runs', (v) => Number(v), 20_000)
    .option('--database <name>', 'database to (re)create', 'drillbook_bench_audit')
    .option('--pg-admin-url <url>', 'PostgreSQL server', process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres')
    .parse(argv);
  const o = program.opts<{ events: number; runs: number; database: string; pgAdminUrl: string }>();
  for (const [field, value] of Object.entries({ events: o.events, runs: o.runs })) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${field}: must be a positive integer`);
  }
  const seeded = await openSeededDatabase({ ...o, adminUrl: o.pgAdminUrl, log: (line) => process.stderr.write(`${line}\n`) });
  await seeded.db.destroy();
}

if (require.main === module) {
  seedMain(process.argv).catch((error: unknown) => {
    process.stderr.write(`seed-audit failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
