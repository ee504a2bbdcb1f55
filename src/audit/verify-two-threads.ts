/**
 * Whole-trail verification on two cores: the chain ids are split in two ranges of about as many events,
 * each walked by a worker thread through a connection of its own, both in ONE snapshot (this thread's
 * transaction exports it, the workers' import it). The result is the one a single walk would give: the
 * first break in (chain_id, seq) order, counts up to it; then this thread checks heads without events.
 *
 * Both ranges are walked by workers, this thread only coordinates: a worker's young generation can
 * be made larger (`resourceLimits`), which cuts the garbage collector's work on a verifier's short-lived
 * row strings (~200 scavenges per million events with V8's default, ~70 with 64 MB semi-spaces; on a
 * loaded machine those pauses were most of the wall time), and this thread's heap cannot be resized
 * from inside. A worker start costs ~50 ms.
 */
import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../threads/start-worker';
import type { ClientBase, ClientConfig, Pool } from 'pg';
import type { RangeWork } from './verify-chain-worker';
import { pgChainReader } from './verify-pg-reader';
import { withHeadsWithoutEvents, type VerifyResult } from './verify-range';

export interface TwoRanges {
  /** The first chain id of the second range: [.., split) and [split, ..). */
  split: string;
  /** Events the heads claim in all (an estimate of the work: heads may be wrong, the walk finds out). */
  events: number;
}

/**
 * Where to split: the first chain (in the database's order) at which the heads' running total of events
 * reaches half. Read from the heads, not the events: a few ms for 20k chains. A wrong head only makes
 * the ranges uneven; every chain is still in exactly one range. undefined when there are no heads.
 */
export async function planTwoRanges(client: ClientBase): Promise<TwoRanges | undefined> {
  const { rows } = await client.query<{ chain_id: string; total: string }>(
    `SELECT chain_id, total::text FROM (
       SELECT chain_id, sum(last_seq) OVER (ORDER BY chain_id) AS upto, sum(last_seq) OVER () AS total FROM audit_chain_heads
     ) h WHERE upto * 2 >= total ORDER BY chain_id LIMIT 1`,
  );
  return rows[0] && { split: rows[0].chain_id, events: Number(rows[0].total) };
}

/**
 * What a worker needs to open a connection like the pool's: its options without functions (a
 * connection string, host, user...). undefined when they cannot cross to a thread (a password
 * callback, TLS options with callbacks): then verify in one thread.
 */
export function workerConnection(pool: Pool): ClientConfig | undefined {
  const config: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(pool.options)) {
    if (typeof value !== 'function') config[name] = value;
    else if (name === 'password') return undefined;
  }
  try {
    return structuredClone(config) as ClientConfig;
  } catch {
    return undefined;
  }
}

/**
 * Verifies all chains. `client` is in a REPEATABLE READ READ ONLY transaction, which must stay open
 * until this returns (the workers import its snapshot); the caller ends it.
 */
export async function verifyInTwoThreads(
  client: ClientBase,
  connection: ClientConfig,
  ranges: TwoRanges,
  batchSize: number,
): Promise<VerifyResult> {
  const { rows } = await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
  const snapshot = rows[0].id;
  const workers = [{ to: ranges.split }, { from: ranges.split }].map((scope) => startRangeWorker({ connection, snapshot, scope, batchSize }));
  try {
    const [first, second] = workers.map(resultOf);
    second.catch(() => undefined); // not awaited when the first range breaks or fails
    // A break in the first range comes first in (chain_id, seq) order, whatever the second holds.
    const head = await first;
    if (!head.ok) return head;
    const rest = await second;
    const merged: VerifyResult = { ...rest, chains: head.chains + rest.chains, events: head.events + rest.events };
    if (!merged.ok) return merged;
    return await withHeadsWithoutEvents(pgChainReader(client), merged);
  } finally {
    // Stops a worker still walking (its connection ends with its thread); a finished one is gone already.
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** The worker file next to this one (src/threads/start-worker.ts loads the .ts source under jest). */
function startRangeWorker(work: RangeWork): Worker {
  return startModuleWorker(__dirname, 'verify-chain-worker', { workerData: work, resourceLimits: WORKER_LIMITS });
}

/**
 * Young generation = 3 semi-spaces in V8: 64 MB ones (V8's default is 16 MB), grown only as needed.
 * Over the bench's 1M events: 73 scavenges in all instead of 189, their time 2.0 s instead of 5.0 s
 * (loaded machine); peak RSS ~470 MB instead of ~270 MB (one thread: ~200 MB).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 192 };

function resultOf(worker: Worker): Promise<VerifyResult> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`chain verification worker exited (code ${code}) without a result`)));
  });
}
