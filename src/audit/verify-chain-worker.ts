/**
 * A worker thread's share of a two-thread verification (verify-two-threads.ts): walks the chains of
 * one range through a connection of its own, in the snapshot the coordinator exported, and posts the
 * `VerifyResult`. A database error is thrown (unhandled), which the coordinator receives as the
 * worker's 'error' event.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Client, type ClientConfig } from 'pg';
import { pgChainReader } from './verify-pg-reader';
import { walkChains, type ChainScope, type VerifyResult } from './verify-range';

export interface RangeWork {
  connection: ClientConfig;
  /** From `pg_export_snapshot()` in the coordinator's open transaction. */
  snapshot: string;
  scope: ChainScope;
  batchSize: number;
}

/** `pg_export_snapshot()` ids are hex and dashes (e.g. 00000003-0000001B-1); checked before it is spliced in. */
const SNAPSHOT_ID = /^[0-9A-F-]+$/i;

async function walkRange(work: RangeWork): Promise<VerifyResult> {
  if (!SNAPSHOT_ID.test(work.snapshot)) throw new Error(`not a snapshot id: ${work.snapshot}`);
  const client = new Client(work.connection);
  await client.connect();
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // Must be the transaction's first statement; SET TRANSACTION takes no parameters.
    await client.query(`SET TRANSACTION SNAPSHOT '${work.snapshot}'`);
    const result = await walkChains(pgChainReader(client), work.scope, work.batchSize);
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end();
  }
}

void walkRange(workerData as RangeWork).then((result) => parentPort!.postMessage(result));
