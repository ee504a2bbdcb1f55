/**
 * The only writer of `audit_events`. Each event is written exactly once per key, however often the call
 * is repeated (an activity retry), and appended to its chain with the next seq and hash.
 *
 * Callers must never pass secret values in `data` (or anywhere else): nothing is redacted here, and
 * nothing written here can ever be removed.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Json } from '../plan/types';
import type { Database, Db } from './database';
import { canonicalJson } from '../plan/canonical';
import { eventBodyAroundSeq, eventBodyJson } from './event-body';
import { chainHash, GENESIS_HASH } from './hash-chain';
import type { NewAuditEventRow } from './tables/audit-events';

export interface AuditEventInput {
  /** Idempotency key, deterministic for what it records (e.g. `<runId>/<stepId>/<execution>/completed`). */
  key: string;
  /** The chain to append to; default `runId`. Required when `runId` is null. */
  chainId?: string;
  runId: string | null;
  /** `subject.pastTense`, e.g. `step.completed`. */
  type: string;
  stepId?: string | null;
  actor: string;
  /** When it happened; default: now. Kept at millisecond precision. */
  at?: Date;
  /** What it says. Never secret values. */
  data: Json;
}

export interface AppendResult {
  inserted: number;
  /** Events whose key was already in the trail (or repeated within the call): not written again. */
  skipped: number;
}

/** Updates the caller's projections (runs, step_results) in the transaction that appends the events. */
export type Projection = (trx: Transaction<Database>) => Promise<void>;

// Keeps each INSERT well below PostgreSQL's 65535 bind parameters (10 columns a row).
const ROWS_PER_INSERT = 1000;

interface PreparedEvent {
  chainId: string;
  key: string;
  runId: string | null;
  type: string;
  stepId: string | null;
  actor: string;
  at: string;
  canonicalData: string;
}

/**
 * Appends `events` in one transaction: per chain (in sorted chain order, so two calls never deadlock)
 * it creates the head if new and locks it, skips keys already present, assigns seq and hash, inserts,
 * moves the head; then runs `project` in the same transaction and commits.
 *
 * `project` runs only when at least one event is new (or `events` is empty): when every event was
 * already present, the call that wrote them committed its projection with them, and running it again
 * could roll a projection back to an older state.
 *
 * Given a transaction instead of a connection, it works inside it (and the caller commits).
 *
 * @throws Error on an invalid event (empty key, type or actor; no chain; invalid date; a non-finite
 *   number in data), before touching the database; database errors as they come (then nothing is
 *   written), e.g. a unique violation (or, for a single event, an Error) when a key already exists
 *   in another chain.
 */
export async function appendAuditEvents(
  db: Db,
  events: AuditEventInput[],
  project?: Projection,
): Promise<AppendResult> {
  const { byChain, duplicates } = prepare(events);
  if (byChain.size === 1) {
    const [only] = byChain.values();
    if (only.length === 1) {
      const appended = await appendOne(db, only[0], duplicates, project);
      if (appended) return appended;
    }
  }
  const run = (trx: Transaction<Database>) => appendInTransaction(trx, byChain, duplicates, project);
  return db.isTransaction ? run(db as Transaction<Database>) : (db as Kysely<Database>).transaction().execute(run);
}

/**
 * A projection written by the append's own statement: one SQL statement (INSERT/UPDATE) that may read
 * the CTE `ins` (the inserted event row, empty when the event was already present) and must write
 * only when `EXISTS (SELECT 1 FROM ins)`. See step-results.ts's `recordCompletedStepSql`.
 */
export type ProjectionSql = RawBuilder<unknown>;

/**
 * `appendAuditEvents(db, [event], project)` in ONE statement when it can: the event, its chain's
 * head and the projection (`projectionSql`, which must do what `project` does) are written together,
 * atomically, in one round trip, and the chain's head is locked for that statement only. A step's
 * `completed` event with its step result is the hot case: the parallel steps of one run append to
 * the same chain. Falls back to `appendAuditEvents(db, [event], project)` for a chain without a head.
 */
export async function appendAuditEventWith(db: Db, event: AuditEventInput, projectionSql: ProjectionSql, project: Projection): Promise<AppendResult> {
  const { byChain, duplicates } = prepare([event]);
  const [prepared] = [...byChain.values()][0];
  const outcome = await appendOneStatement(db, prepared, projectionSql);
  if (outcome.kind === 'no-head') return appendAuditEvents(db, [event], project);
  return outcome.kind === 'inserted' ? { inserted: 1, skipped: duplicates } : { inserted: 0, skipped: duplicates + 1 };
}

type OneOutcome = { kind: 'inserted' } | { kind: 'present' } | { kind: 'no-head' };

/**
 * The common case, one event (a step's `started`, or its `completed` with the step result): one
 * statement locks the chain's head, skips a key already present, builds the body around the next
 * seq, hashes it (sha256 in the database: the same UTF-8 bytes as chainHash), inserts and moves
 * the head. One round trip instead of five, and (without a projection) the head is locked for that
 * statement only, so the parallel steps of one run hardly wait for each other.
 *
 * With a projection, the projection runs after the append in the same transaction, only when the
 * event is new (as in the general path).
 *
 * @returns undefined when the chain has no head yet (the general path creates it).
 */
async function appendOne(db: Db, e: PreparedEvent, duplicates: number, project: Projection | undefined): Promise<AppendResult | undefined> {
  let outcome: OneOutcome;
  if (!project) {
    outcome = await appendOneStatement(db, e);
  } else if (db.isTransaction) {
    outcome = await appendOneStatement(db, e);
    if (outcome.kind === 'inserted') await project(db as Transaction<Database>);
  } else {
    outcome = await (db as Kysely<Database>).transaction().execute(async (trx) => {
      const result = await appendOneStatement(trx, e);
      if (result.kind === 'inserted') await project(trx);
      return result;
    });
  }
  if (outcome.kind === 'no-head') return undefined;
  return outcome.kind === 'inserted' ? { inserted: 1, skipped: duplicates } : { inserted: 0, skipped: duplicates + 1 };
}

async function appendOneStatement(db: Db, e: PreparedEvent, projectionSql?: ProjectionSql): Promise<OneOutcome> {
  const [beforeSeq, afterSeq] = eventBodyAroundSeq(
    { chainId: e.chainId, key: e.key, type: e.type, runId: e.runId, stepId: e.stepId, actor: e.actor, at: e.at },
    e.canonicalData,
  );
  // ON CONFLICT DO NOTHING is safe here, unlike in the general path: the head moves only with a
  // RETURNING row, so a skipped event leaves no gap. The key check runs after the head's lock is
  // held, so an identical append that committed meanwhile is seen (as a conflict) and skipped.
  const { rows } = await sql<{ heads: number; inserted: number }>`
    WITH head AS (
      SELECT last_seq, last_hash FROM audit_chain_heads WHERE chain_id = ${e.chainId} FOR UPDATE
    ), next AS (
      SELECT last_seq + 1 AS seq, last_hash AS prev_hash, ${beforeSeq}::text || (last_seq + 1)::text || ${afterSeq}::text AS body
      FROM head
    ), ins AS (
      INSERT INTO audit_events (chain_id, seq, key, run_id, type, step_id, actor, at, body, prev_hash, hash)
      SELECT ${e.chainId}, seq, ${e.key}, ${e.runId}, ${e.type}, ${e.stepId}, ${e.actor}, ${e.at}::timestamptz, body, prev_hash,
             encode(sha256(convert_to(prev_hash || chr(10) || body, 'UTF8')), 'hex')
      FROM next
      ON CONFLICT (key) DO NOTHING
      RETURNING seq, hash
    ), moved AS (
      UPDATE audit_chain_heads h SET last_seq = ins.seq, last_hash = ins.hash, updated_at = now()
      FROM ins WHERE h.chain_id = ${e.chainId}
      RETURNING h.chain_id
    )${projectionSql ? sql`, projected AS (${projectionSql})` : sql``}
    SELECT (SELECT count(*) FROM head)::int AS heads, (SELECT count(*) FROM moved)::int AS inserted`.execute(db);
  const { heads, inserted } = rows[0];
  if (heads === 0) return { kind: 'no-head' };
  if (inserted === 1) return { kind: 'inserted' };
  // Skipped: the key is taken. By this chain (a repeat) is fine; by another chain is the caller's bug.
  const owner = await db.selectFrom('audit_events').select('chain_id').where('key', '=', e.key).executeTakeFirst();
  if (owner && owner.chain_id !== e.chainId) {
    throw new Error(`audit event ${e.key}: the key already exists in chain ${owner.chain_id}, not ${e.chainId}`);
  }
  return { kind: 'present' };
}

function prepare(events: AuditEventInput[]): { byChain: Map<string, PreparedEvent[]>; duplicates: number } {
  const byChain = new Map<string, PreparedEvent[]>();
  const seen = new Set<string>();
  let duplicates = 0;
  for (const e of events) {
    if (!e.key) throw new Error('audit event without a key');
    if (!e.type) throw new Error(`audit event ${e.key}: no type`);
    if (!e.actor) throw new Error(`audit event ${e.key}: no actor`);
    const chainId = e.chainId ?? e.runId;
    if (!chainId) throw new Error(`audit event ${e.key}: no chainId and no runId`);
    const at = e.at ?? new Date();
    if (Number.isNaN(at.getTime())) throw new Error(`audit event ${e.key}: invalid date`);
    if (seen.has(e.key)) {
      duplicates++;
      continue;
    }
    seen.add(e.key);
    const prepared: PreparedEvent = {
      chainId,
      key: e.key,
      runId: e.runId,
      type: e.type,
      stepId: e.stepId ?? null,
      actor: e.actor,
      at: at.toISOString(),
      canonicalData: canonicalJson(e.data),
    };
    const chain = byChain.get(chainId);
    if (chain) chain.push(prepared);
    else byChain.set(chainId, [prepared]);
  }
  return { byChain, duplicates };
}

async function appendInTransaction(
  trx: Transaction<Database>,
  byChain: Map<string, PreparedEvent[]>,
  duplicates: number,
  project: Projection | undefined,
): Promise<AppendResult> {
  const chainIds = [...byChain.keys()].sort();
  if (chainIds.length === 0) {
    if (project) await project(trx);
    return { inserted: 0, skipped: duplicates };
  }

  // Heads are created and locked in sorted order: two calls touching the same chains wait, never deadlock.
  await trx
    .insertInto('audit_chain_heads')
    .values(chainIds.map((chain_id) => ({ chain_id, last_seq: 0, last_hash: GENESIS_HASH })))
    .onConflict((oc) => oc.column('chain_id').doNothing())
    .execute();
  const heads = await trx
    .selectFrom('audit_chain_heads')
    .select(['chain_id', 'last_seq', 'last_hash'])
    .where('chain_id', 'in', chainIds)
    .orderBy('chain_id')
    .forUpdate()
    .execute();

  // Read after the lock: a concurrent call with the same keys has committed by now, so it is seen.
  const keys = chainIds.flatMap((c) => byChain.get(c)!.map((e) => e.key));
  const present = new Set(
    // One array parameter, not one per key: a large batch stays within the bind-parameter limit.
    (await trx.selectFrom('audit_events').select('key').where('key', '=', sql<string>`any(${keys}::text[])`).execute()).map(
      (r) => r.key,
    ),
  );

  const rows: NewAuditEventRow[] = [];
  const newHeads: { chainId: string; lastSeq: number; lastHash: string }[] = [];
  for (const head of heads) {
    let seq = Number(head.last_seq);
    let prevHash = head.last_hash;
    for (const e of byChain.get(head.chain_id)!) {
      if (present.has(e.key)) continue;
      seq++;
      const body = eventBodyJson(
        { chainId: e.chainId, seq, key: e.key, type: e.type, runId: e.runId, stepId: e.stepId, actor: e.actor, at: e.at },
        e.canonicalData,
      );
      const hash = chainHash(prevHash, body);
      rows.push({
        chain_id: e.chainId,
        seq,
        key: e.key,
        run_id: e.runId,
        type: e.type,
        step_id: e.stepId,
        actor: e.actor,
        at: e.at,
        body,
        prev_hash: prevHash,
        hash,
      });
      prevHash = hash;
    }
    if (seq > Number(head.last_seq)) newHeads.push({ chainId: head.chain_id, lastSeq: seq, lastHash: prevHash });
  }

  // A plain INSERT, never ON CONFLICT DO NOTHING: a silently dropped row would leave a gap in the chain.
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await trx.insertInto('audit_events').values(rows.slice(i, i + ROWS_PER_INSERT)).execute();
  }
  for (const h of newHeads) {
    await trx
      .updateTable('audit_chain_heads')
      .set({ last_seq: h.lastSeq, last_hash: h.lastHash, updated_at: new Date() })
      .where('chain_id', '=', h.chainId)
      .execute();
  }

  if (rows.length > 0 && project) await project(trx);
  return { inserted: rows.length, skipped: duplicates + present.size };
}
