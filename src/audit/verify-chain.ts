/**
 * Verifies the hash chains of `audit_events` from the database alone: every event's hash is recomputed
 * from the stored body and the previous hash, seqs are contiguous from 1, the queryable columns agree
 * with the body, and each chain's head names its last event.
 *
 * Built for speed (target ≥ 100k events/s): keyset pages of 10k rows over the (chain_id, seq) index,
 * the next page requested while this one is checked, one head lookup per page, and per row one sha256
 * and an in-place comparison of the body's header with the columns (no JSON.parse unless it is broken).
 * A large whole trail is walked in two threads over two key ranges (verify-two-threads.ts). The check
 * itself is in verify-range.ts.
 */
import { availableParallelism } from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Pool } from 'pg';
import { poolOf, type Database, type Db } from './database';
import { pgChainReader } from './verify-pg-reader';
import { EVENT_COLUMNS, verifyInSnapshot, type ChainReader, type EventRow, type VerifyResult } from './verify-range';
import { planTwoRanges, verifyInTwoThreads, workerConnection } from './verify-two-threads';
import { inReadSnapshot } from './read-snapshot';

export type { ChainBreak, VerifyResult } from './verify-range';

export interface VerifyOptions {
  /** Only this chain; default: all. */
  chainId?: string;
  /** Rows per page; default 10 000. */
  batchSize?: number;
  /**
   * Threads for all chains on a pool of our own: 1, or 2 (two key ranges in one snapshot, the same
   * result). Default: 2 when the trail claims at least TWO_THREADS_FROM_EVENTS events and the machine
   * has 2 cores. A single chain, and a transaction or another Kysely, always use one.
   */
  threads?: 1 | 2;
}

/**
 * Below this, two threads are slower than one: each worker starts cold (~50-200 ms to start and load
 * pg, then its first pages run unoptimised, several times slower), which costs about a second of work
 * on a loaded 2-core machine. Measured there (warm process, median of 5): 100k events 0.48 s in one
 * thread vs 0.62 s in two; 300k 2.4 s vs 3.2 s; 1M 4.6 s vs 3.5-4.3 s.
 */
const TWO_THREADS_FROM_EVENTS = 500_000;

/**
 * Stops at the first break. Reads one snapshot (a repeatable-read transaction), so events appended
 * while it runs are neither half-seen nor reported as a head mismatch.
 *
 * @throws only database errors; a broken chain is a result, not an exception.
 */
export async function verifyAuditChain(db: Db, options: VerifyOptions = {}): Promise<VerifyResult> {
  const batchSize = options.batchSize ?? 10_000;
  if (db.isTransaction) return verifyInSnapshot(kyselyReader(db as Transaction<Database>), options.chainId, batchSize);
  const pool = poolOf(db);
  if (pool) return verifyWithPool(pool, options, batchSize);
  return inReadSnapshot(db, (trx) => verifyInSnapshot(kyselyReader(trx), options.chainId, batchSize));
}

function kyselyReader(trx: Transaction<Database>): ChainReader {
  return {
    // Only ever asked for one chain or all (ranges are for the pg reader's two threads).
    page: (scope, after, batchSize) => fetchPage(trx, scope.chainId, after, batchSize),
    eventId: async (chainId, seq) =>
      (await trx.selectFrom('audit_events').select('id').where('chain_id', '=', chainId).where('seq', '=', seq).executeTakeFirst())?.id ?? null,
    heads: (ids) =>
      trx.selectFrom('audit_chain_heads').select(['chain_id', 'last_seq', 'last_hash']).where('chain_id', '=', sql<string>`any(${ids}::text[])`).execute(),
    headWithoutEvents: (chainId) => findHeadWithoutEventsRow(trx, chainId),
  };
}

/**
 * The fast path, for a pool of our own: a client in a read-only repeatable-read transaction reading
 * rows as arrays (verify-pg-reader.ts); for all chains of a large trail, two threads.
 */
async function verifyWithPool(pool: Pool, options: VerifyOptions, batchSize: number): Promise<VerifyResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    let result: VerifyResult | undefined;
    const connection = options.chainId === undefined && options.threads !== 1 ? workerConnection(pool) : undefined;
    if (connection) {
      const ranges = await planTwoRanges(client);
      const wanted = options.threads === 2 || (availableParallelism() >= 2 && (ranges?.events ?? 0) >= TWO_THREADS_FROM_EVENTS);
      if (ranges && wanted) result = await verifyInTwoThreads(client, connection, ranges, batchSize);
    }
    result ??= await verifyInSnapshot(pgChainReader(client), options.chainId, batchSize);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** One page in (chain_id, seq) order, after `after` (keyset paging on the unique index). */
async function fetchPage(
  trx: Transaction<Database>,
  chainId: string | undefined,
  after: EventRow | null,
  batchSize: number,
): Promise<EventRow[]> {
  let page = trx
    .selectFrom('audit_events')
    .select(['chain_id', 'seq', 'key', 'type', 'run_id', 'step_id', 'actor', 'body', 'prev_hash', 'hash'])
    .select(sql<string>`(extract(epoch from at) * 1000000)::int8::text`.as('at_us'));
  if (chainId !== undefined) page = page.where('chain_id', '=', chainId);
  if (after !== null) page = page.where((eb) => eb(eb.refTuple('chain_id', 'seq'), '>', eb.tuple(after[0], after[1])));
  const rows = await page.orderBy('chain_id').orderBy('seq').limit(batchSize).execute();
  // pg parses bigint as text here too (no type parser for int8), so seq is PostgreSQL's text as on the pg path.
  return rows.map((r) => EVENT_COLUMNS.map((column) => r[column]) as EventRow);
}

function findHeadWithoutEventsRow(trx: Transaction<Database>, chainId?: string) {
  let query = trx
    .selectFrom('audit_chain_heads as h')
    .select(['h.chain_id', 'h.last_seq'])
    .where('h.last_seq', '>', '0')
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('audit_events as e').select('e.id').whereRef('e.chain_id', '=', 'h.chain_id'))),
    );
  if (chainId !== undefined) query = query.where('h.chain_id', '=', chainId);
  return query.orderBy('h.chain_id').limit(1).executeTakeFirst();
}
