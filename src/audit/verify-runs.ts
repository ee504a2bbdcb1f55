/**
 * `runs` is a projection that reports read (verdict, status, RTO, RPO, dates, mode, initiator, plan
 * hash…), and a database superuser can edit it without touching a hash. This check recomputes each
 * run's projection from its chained events — `run.started` (who, what, when) and the run's end
 * (`run/ended` or `run/terminated`: status, verdict, RTO, RPO, end time), and the pinned plan's hash
 * (the dossier reads its steps and RTO marks) — and names every run whose
 * row disagrees, or whose row has no start event, or whose start event has no row (a run hidden from
 * the reports). It reads bodies, the hashed text, not the `data` column.
 *
 * It trusts the events only as far as `verifyAuditChain` does: run both (`audit verify` does).
 * Cost: one read of the runs and one of the run events (by type, on its index), two JSON.parse per
 * run; off the chain walk's hot path (about a tenth of its time at 20k runs / 1M events).
 */
import { sql, type Transaction } from 'kysely';
import { inReadSnapshot } from './read-snapshot';
import type { Database, Db } from './database';
import type { EventBody } from './event-body';
import { RUN_STATUSES } from './tables/runs';
import type { Plan } from '../plan/types';
import { planHash } from '../runbook/compile';

export interface RunProjectionMismatch {
  runId: string;
  /** Each field that disagrees: `status: row completed, chain failed`. */
  differences: string[];
}

export interface RunProjectionResult {
  ok: boolean;
  /** Runs rows checked. */
  runs: number;
  mismatches: RunProjectionMismatch[];
}

interface Row {
  run_id: string;
  runbook_name: string;
  runbook_version: string;
  plan_hash: string;
  mode: string;
  services: string[];
  initiator: string;
  reason: string;
  status: string;
  verdict: string | null;
  started_us: string;
  ended_us: string | null;
  rto_ms: string | null;
  rpo_ms: string | null;
  /** The pinned plan the dossier reads (steps, marks), as jsonb's text: its hash must be the row's plan_hash. */
  plan: string;
}

/** Statuses of a run that has not ended: no end event yet. */
const LIVE = new Set(['running', 'paused']);

/**
 * @param options.runId only this run (`audit verify --run`).
 * @param options.maxMismatches stop collecting after this many (default 100).
 */
export async function verifyRunProjections(db: Db, options: { runId?: string; maxMismatches?: number } = {}): Promise<RunProjectionResult> {
  return inReadSnapshot(db, (trx) => check(trx, options));
}

async function check(trx: Transaction<Database>, options: { runId?: string; maxMismatches?: number }): Promise<RunProjectionResult> {
  const max = options.maxMismatches ?? 100;
  const only = options.runId !== undefined ? sql`WHERE r.run_id = ${options.runId}` : sql``;
  const { rows } = await sql<Row>`
    SELECT r.run_id, r.runbook_name, r.runbook_version, r.plan_hash, r.mode, r.services, r.initiator, r.reason, r.status, r.verdict,
      (extract(epoch from r.started_at) * 1000000)::int8::text AS started_us,
      (extract(epoch from r.ended_at) * 1000000)::int8::text AS ended_us,
      r.rto_ms::text AS rto_ms, r.rpo_ms::text AS rpo_ms, r.plan::text AS plan
    FROM runs r ${only}
    ORDER BY r.run_id`.execute(trx);
  const events = await runEvents(trx, options.runId);
  const mismatches: RunProjectionMismatch[] = [];
  const plans = new PlanHashes();
  for (const row of rows) {
    if (mismatches.length >= max) break;
    const differences = compareRow(row, events.get(row.run_id), plans);
    if (differences.length > 0) mismatches.push({ runId: row.run_id, differences });
  }
  // A run whose start is chained but whose row is gone: every report would silently omit it.
  const withRow = new Set(rows.map((r) => r.run_id));
  for (const [runId, e] of [...events].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (mismatches.length >= max) break;
    if (e.start && !withRow.has(runId)) mismatches.push({ runId, differences: ['runs row: missing, but its chain has run.started (the run is hidden from every report)'] });
  }
  return { ok: mismatches.length === 0, runs: rows.length, mismatches };
}

interface RunEvents {
  start?: string;
  /** The latest end event's body (a terminate after an end is the later word) and its seq. */
  end?: string;
  endSeq?: number;
}

/** End events are `run.<status>`: only these types are read, through the (type, at) index. */
const RUN_EVENT_TYPES = ['run.started', ...RUN_STATUSES.map((s) => `run.${s}`)];

/**
 * Each run's start and end bodies, by run id: one pass over the run events (a few per run) instead of
 * one index probe per run. Keys are checked against the chain, so an event of another chain never counts.
 */
async function runEvents(trx: Transaction<Database>, runId: string | undefined): Promise<Map<string, RunEvents>> {
  const only = runId !== undefined ? sql`AND chain_id = ${runId}` : sql``;
  const { rows } = await sql<{ chain_id: string; key: string; seq: string; body: string }>`
    SELECT chain_id, key, seq::text AS seq, body FROM audit_events WHERE type = any(${RUN_EVENT_TYPES}::text[]) ${only}`.execute(trx);
  const byRun = new Map<string, RunEvents>();
  for (const e of rows) {
    const tail = e.key.length > e.chain_id.length && e.key.startsWith(e.chain_id) ? e.key.slice(e.chain_id.length) : undefined;
    if (tail !== '/-/run/started' && tail !== '/-/run/ended' && tail !== '/-/run/terminated') continue;
    let r = byRun.get(e.chain_id);
    if (!r) byRun.set(e.chain_id, (r = {}));
    if (tail === '/-/run/started') r.start = e.body;
    else if (r.endSeq === undefined || Number(e.seq) > r.endSeq) {
      r.end = e.body;
      r.endSeq = Number(e.seq);
    }
  }
  return byRun;
}

function compareRow(row: Row, events: RunEvents | undefined, plans: PlanHashes): string[] {
  const out: string[] = [];
  const differ = (field: string, inRow: unknown, inChain: unknown) => {
    if (JSON.stringify(inRow) !== JSON.stringify(inChain)) out.push(`${field}: row ${JSON.stringify(inRow)}, chain ${JSON.stringify(inChain)}`);
  };
  const start = parseBody(events?.start ?? null);
  if (!start) {
    out.push('run.started: not in its chain (the row is not backed by any event)');
  } else {
    const d = asRecord(start.data);
    differ('initiator', row.initiator, start.actor);
    differ('started_at', usToIso(row.started_us), start.at);
    differ('mode', row.mode, d.mode ?? null);
    differ('plan_hash', row.plan_hash, d.planHash ?? null);
    const hash = plans.hashOf(row.plan, row.plan_hash);
    if (hash !== row.plan_hash) out.push(`plan: its sha256 is ${JSON.stringify(hash)}, not the row's plan_hash (the pinned plan was changed)`);
    differ('runbook_name', row.runbook_name, d.runbook ?? null);
    differ('runbook_version', row.runbook_version, d.runbookVersion ?? null);
    differ('services', row.services, d.services ?? null);
    differ('reason', row.reason, d.reason ?? null);
  }
  const end = parseBody(events?.end ?? null);
  if (!end) {
    if (!LIVE.has(row.status)) out.push(`status: row ${JSON.stringify(row.status)}, chain has no end event (the run has not ended)`);
    differ('verdict', row.verdict, null);
    differ('ended_at', row.ended_us === null ? null : usToIso(row.ended_us), null);
    differ('rto_ms', row.rto_ms, null);
    differ('rpo_ms', row.rpo_ms, null);
  } else {
    const d = asRecord(end.data);
    differ('status', row.status, d.state ?? null);
    differ('verdict', row.verdict, d.verdict ?? null);
    differ('ended_at', row.ended_us === null ? null : usToIso(row.ended_us), end.at);
    differ('rto_ms', row.rto_ms, numberText(d.rtoMs));
    differ('rpo_ms', row.rpo_ms, numberText(d.rpoMs));
  }
  return out;
}

/**
 * Plan hashes, computed once per distinct plan: the runs of one runbook version pin the same plan,
 * and jsonb prints equal values as equal text, so a row whose text equals a plan already hashed
 * under its plan_hash needs no new parse and hash.
 */
class PlanHashes {
  private readonly verified = new Map<string, string>();

  hashOf(planText: string, claimed: string): string | null {
    if (this.verified.get(claimed) === planText) return claimed;
    let hash: string | null;
    try {
      hash = planHash(JSON.parse(planText) as Plan);
    } catch {
      hash = null; // not a plan at all
    }
    if (hash === claimed) this.verified.set(claimed, planText);
    return hash;
  }
}

export function parseBody(body: string | null): EventBody | undefined {
  if (body === null) return undefined;
  try {
    return JSON.parse(body) as EventBody;
  } catch {
    return undefined; // a body that is not JSON breaks the chain, which verifyAuditChain reports
  }
}

export function asRecord(data: unknown): Record<string, unknown> {
  return data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>) : {};
}

/** Microseconds since the epoch as the writer's ISO text (milliseconds): a sub-millisecond edit shows as a fraction. */
export function usToIso(us: string): string {
  const n = Number(us);
  return n % 1000 === 0 ? new Date(n / 1000).toISOString() : `${new Date(Math.floor(n / 1000)).toISOString()} +${n % 1000}µs`;
}

function numberText(value: unknown): string | null {
  return typeof value === 'number' ? String(value) : null;
}
