/**
 * `step_results` is the projection the dossier draws its step timeline from (each execution's state,
 * attempts, start and end times, the sha256 of its output) and its recomputed RTO/RPO (the marked
 * steps' times), and a database superuser can edit it without touching a hash. This check recomputes
 * each row from its run's chained step events and names every row that disagrees, every row no
 * chained event backs, and every completion the chain holds whose row is gone (a step hidden from
 * the dossier).
 *
 * Only step activities write rows (activities/step-activities.ts), always with their `completed`
 * event in the same statement: key `<run>/<step>/<execution>/step/completed` (a compensation:
 * `compensate/completed`, row `<step>#compensate`). That event holds the end (`at`), `attempt`,
 * `durationMs` (end − start of the completing attempt: the row's start, which a retried step's
 * `started` event does not hold), its `evidence` (the output's picked fields) and, since Dec 2026,
 * `outputSha256`. The workflow's `<execution>/failed` and `/skipped` events only name the state of a
 * row with no completion.
 *
 * It trusts the events only as far as `verifyAuditChain` does: run both (`audit verify` does).
 * Cost: one read of the step rows (their output as text) and one of the step end events (by type,
 * on its index), one JSON.parse per completion and per row's output, one sha256 per output. Measured
 * on a step-heavy seed (200k events, 96k step rows, this shared machine): 1.5-2.3 s, about the chain
 * walk's own time; `audit verify` takes about twice as long as with the chain and runs checks alone.
 */
import { sql, type Transaction } from 'kysely';
import { inReadSnapshot } from './read-snapshot';
import type { Database, Db } from './database';
import type { EventBody } from './event-body';
import type { Json } from '../plan/types';
import { canonicalJson } from '../plan/canonical';
import { outputSha256, pickEvidence } from './evidence';
import { asRecord, parseBody, usToIso } from './verify-runs';

export interface StepResultMismatch {
  runId: string;
  /** The row's step id (a compensation: `<step>#compensate`) and execution. */
  stepId: string;
  execution: number;
  /** Each field that disagrees: `ended_at: row …, chain …`. */
  differences: string[];
}

export interface StepResultsCheck {
  ok: boolean;
  /** step_results rows checked. */
  rows: number;
  mismatches: StepResultMismatch[];
}

interface Row {
  run_id: string;
  step_id: string;
  execution: number;
  status: string;
  attempts: number;
  started_us: string | null;
  ended_us: string | null;
  output: string | null;
}

/** One execution's chained end events: the completion's body, a failure or skip only as present. */
interface ChainedStep {
  completed?: string;
  failed?: boolean;
  skipped?: boolean;
}

/**
 * The events a row's state is read from, through the (type, at) index. Not `started`: no writer leaves
 * a row `running`, and starts are as many as completions (reading them would double the read).
 */
const STEP_EVENT_TYPES = ['step.completed', 'step.failed', 'step.skipped', 'compensation.completed'];

/** `<step>/<execution>/<transition>` after `<run>/`: the step id may hold anything but the last two parts. */
const KEY_TAIL = /^(.+)\/(\d+)\/(step\/completed|compensate\/completed|failed|skipped)$/;

/**
 * @param options.runId only this run's rows (`audit verify --run`).
 * @param options.maxMismatches stop collecting after this many (default 100).
 */
export async function verifyStepResults(db: Db, options: { runId?: string; maxMismatches?: number } = {}): Promise<StepResultsCheck> {
  return inReadSnapshot(db, (trx) => check(trx, options));
}

async function check(trx: Transaction<Database>, options: { runId?: string; maxMismatches?: number }): Promise<StepResultsCheck> {
  const max = options.maxMismatches ?? 100;
  const only = options.runId !== undefined ? sql`WHERE s.run_id = ${options.runId}` : sql``;
  // Times as epoch microseconds: a sub-millisecond edit is still seen.
  const { rows } = await sql<Row>`
    SELECT s.run_id, s.step_id, s.execution, s.status, s.attempts,
      (extract(epoch from s.started_at) * 1000000)::int8::text AS started_us,
      (extract(epoch from s.ended_at) * 1000000)::int8::text AS ended_us,
      s.output::text AS output
    FROM step_results s ${only}
    ORDER BY s.run_id, s.step_id, s.execution`.execute(trx);
  const chained = await stepEvents(trx, options.runId);
  const mismatches: StepResultMismatch[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    if (mismatches.length >= max) break;
    const id = rowKey(row.run_id, row.step_id, row.execution);
    seen.add(id);
    const differences = compareRow(row, chained.get(id));
    if (differences.length > 0) mismatches.push({ runId: row.run_id, stepId: row.step_id, execution: row.execution, differences });
  }
  // A completion chained by a step activity always wrote its row: a missing one was deleted.
  const hidden = [...chained].filter(([id, e]) => e.completed !== undefined && !seen.has(id)).map(([id]) => id).sort();
  for (const id of hidden) {
    if (mismatches.length >= max) break;
    const [runId, stepId, execution] = id.split(SEP);
    mismatches.push({ runId, stepId, execution: Number(execution), differences: ['step_results row: missing, but its chain has the step\'s completion (the step is hidden from the dossier)'] });
  }
  return { ok: mismatches.length === 0, rows: rows.length, mismatches };
}

/** Between a row key's parts: run and step ids never hold it (the chain's keys join them with `/`). */
const SEP = '\u0000';

function rowKey(runId: string, stepId: string, execution: number): string {
  return `${runId}${SEP}${stepId}${SEP}${execution}`;
}

/** Each execution's step events, by row key: one pass over the step events, keys checked against their chain. */
async function stepEvents(trx: Transaction<Database>, runId: string | undefined): Promise<Map<string, ChainedStep>> {
  const only = runId !== undefined ? sql`AND chain_id = ${runId}` : sql``;
  // Only completions are read in full (the rows' figures are theirs): the others count by their key.
  const { rows } = await sql<{ chain_id: string; key: string; body: string | null }>`
    SELECT chain_id, key, CASE WHEN type IN ('step.completed', 'compensation.completed') THEN body END AS body
    FROM audit_events WHERE type = any(${STEP_EVENT_TYPES}::text[]) ${only}`.execute(trx);
  const out = new Map<string, ChainedStep>();
  for (const e of rows) {
    if (e.key.length <= e.chain_id.length + 1 || !e.key.startsWith(`${e.chain_id}/`)) continue;
    const m = KEY_TAIL.exec(e.key.slice(e.chain_id.length + 1));
    if (!m) continue;
    const [, step, execution, transition] = m;
    const compensation = transition.startsWith('compensate/');
    const id = rowKey(e.chain_id, compensation ? `${step}#compensate` : step, Number(execution));
    let s = out.get(id);
    if (!s) out.set(id, (s = {}));
    if (transition.endsWith('/completed')) s.completed = e.body ?? undefined;
    else if (transition === 'failed') s.failed = true;
    else s.skipped = true;
  }
  return out;
}

function compareRow(row: Row, chain: ChainedStep | undefined): string[] {
  if (!chain) return [`no chained step event backs this row (no completion, failure or skip; row state ${JSON.stringify(row.status)})`];
  const out: string[] = [];
  // Equal values are the common case: compared as they are, printed only when they differ.
  const differ = (field: string, inRow: unknown, inChain: unknown) => {
    if (inRow !== inChain) out.push(`${field}: row ${JSON.stringify(inRow)}, chain ${JSON.stringify(inChain)}`);
  };
  const differAt = (field: string, rowUs: string | null, chainMs: number | null) => {
    if (rowUs === null ? chainMs !== null : chainMs === null || Number(rowUs) !== chainMs * 1000) {
      differ(field, nullableIso(rowUs), chainMs === null ? null : new Date(chainMs).toISOString());
    }
  };
  const done = parseBody(chain.completed ?? null);
  if (!done) {
    // No completion: the row can only say how the chain ended the step.
    const state = chain.failed ? 'failed' : 'skipped';
    differ('state', row.status, state);
    differAt('ended_at', row.ended_us, null);
    return out;
  }
  const d = asRecord(done.data);
  differ('state', row.status, 'completed');
  differ('attempts', row.attempts, typeof d.attempt === 'number' ? d.attempt : null);
  const endMs = Number.isFinite(Date.parse(done.at)) ? Date.parse(done.at) : null;
  differAt('started_at', row.started_us, typeof d.durationMs === 'number' && endMs !== null ? endMs - d.durationMs : null);
  differAt('ended_at', row.ended_us, endMs);
  if (row.output !== null) {
    let output: Json;
    try {
      output = JSON.parse(row.output) as Json;
    } catch {
      return [...out, 'output: not JSON'];
    }
    if (typeof d.outputSha256 === 'string') {
      differ('output sha256', outputSha256(output), d.outputSha256);
    } else if (d.evidence !== undefined) {
      // An older completion: its evidence is the whole output (`*`) or fields picked from it.
      const evidence = d.evidence as Json;
      const whole = canonicalJson(evidence) === canonicalJson(output);
      const picked = evidence !== null && typeof evidence === 'object' && !Array.isArray(evidence) && Object.keys(evidence).every((path) => canonicalJson(pickEvidence(output, [path])) === canonicalJson({ [path]: evidence[path] }));
      if (!whole && !picked) out.push(`output: its evidence fields differ from the chain's ${JSON.stringify(canonicalJson(evidence))}`);
    }
  }
  return out;
}

function nullableIso(us: string | null): string | null {
  return us === null ? null : usToIso(us);
}
