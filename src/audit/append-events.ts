/**
 * The only writer of `audit_events`. Each event is written exactly once per key, however often the call
 * is repeated (an activity retry), and appended to its chain with the next seq and hash.
 *
 * Callers must never pass secret values in `data` (or anywhere else): nothing is redacted here, and
 * nothing written here can ever be removed.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Json } from '../plan/types';
import type { Database, Db } from './database';
import { canonicalJson } from '../plan/canonical';
import { eventBodyJson } from './event-body';
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
 *   written), e.g. a unique violation when a key already exists in another chain.
 */
export async function appendAuditEvents(
  db: Db,
  events: AuditEventInput[],
  project?: Projection,
): Promise<AppendResult> {
  const { byChain, duplicates } = prepare(events);
  const run = (trx: Transaction<Database>) => appendInTransaction(trx, byChain, duplicates, project);
  return db.isTransaction ? run(db as Transaction<Database>) : (db as Kysely<Database>).transaction().execute(run);
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
