/**
 * Checkpoints of the audit trail: the latest seq and hash of every chain, event counts and the time,
 * in a digest file meant for WORM storage. Verifying against a kept checkpoint proves that nothing
 * before it changed, even when someone with superuser rights rewrote a chain and recomputed every
 * hash after the change (which the chain alone cannot show): the event at each checkpointed seq
 * must still carry the checkpointed hash.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { canonicalJson } from '../plan/canonical';
import type { Db } from './database';

export interface CheckpointChain {
  lastSeq: number;
  lastHash: string;
}

export interface Checkpoint {
  format: 'drillbook-audit-checkpoint/1';
  takenAt: string;
  database: string;
  chains: number;
  events: number;
  /** Chain id → its last seq and hash when taken. */
  heads: Record<string, CheckpointChain>;
  /** sha256 of the canonical JSON of everything above: a change in the file itself is seen too. */
  digest: string;
  /** Optional Ed25519 signature of the digest (checkpoint-signature.ts): who vouches for the file. */
  signature?: CheckpointSignature;
}

export interface CheckpointSignature {
  algorithm: 'ed25519';
  /** The signer's public key, raw 32 bytes, base64 (informative: trust comes from the verifier's key). */
  publicKey: string;
  /** base64 signature of `checkpointSignedText(digest)`. */
  value: string;
}

export interface CheckpointMismatch {
  chainId: string;
  seq: number;
  reason: string;
}

export interface CheckpointVerifyResult {
  ok: boolean;
  checkedChains: number;
  mismatches: CheckpointMismatch[];
}

/** Reads every chain's last event in one statement (one snapshot). */
export async function takeCheckpoint(db: Db, now = new Date()): Promise<Checkpoint> {
  // ORDER BY names the table's bigint column: the bare `seq` would be the text output column, and
  // text order puts "9" above "38" (every chain of 10+ events was checkpointed at seq 9).
  const { rows } = await sql<{ chain_id: string; seq: string; hash: string; events: string; db: string }>`
    SELECT DISTINCT ON (e.chain_id) e.chain_id, e.seq::text AS seq, e.hash, (count(*) OVER (PARTITION BY e.chain_id))::text AS events, current_database() AS db
    FROM audit_events e ORDER BY e.chain_id, e.seq DESC`.execute(db);
  const heads: Record<string, CheckpointChain> = {};
  let events = 0;
  for (const r of rows) {
    heads[r.chain_id] = { lastSeq: Number(r.seq), lastHash: r.hash };
    events += Number(r.events);
  }
  const database = rows[0]?.db ?? (await sql<{ db: string }>`SELECT current_database() AS db`.execute(db)).rows[0].db;
  const body = { format: 'drillbook-audit-checkpoint/1' as const, takenAt: now.toISOString(), database, chains: rows.length, events, heads };
  return { ...body, digest: checkpointDigest(body) };
}

export function checkpointDigest(body: Omit<Checkpoint, 'digest'>): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/**
 * Parses a checkpoint file's text.
 * @throws Error naming what is wrong (not JSON, wrong format, a digest that does not match its content).
 */
export function parseCheckpoint(text: string, file = 'checkpoint'): Checkpoint {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not JSON (${(err as Error).message})`);
  }
  const c = value as Partial<Checkpoint>;
  if (!c || typeof c !== 'object' || c.format !== 'drillbook-audit-checkpoint/1') throw new Error(`${file}: format: not a drillbook audit checkpoint`);
  if (typeof c.heads !== 'object' || c.heads === null) throw new Error(`${file}: heads: missing`);
  for (const [chain, h] of Object.entries(c.heads)) {
    if (!Number.isInteger(h?.lastSeq) || typeof h?.lastHash !== 'string') throw new Error(`${file}: heads.${chain}: needs lastSeq and lastHash`);
  }
  const { digest, signature: _signature, ...body } = c as Checkpoint;
  if (digest !== checkpointDigest(body)) throw new Error(`${file}: digest: does not match the file's content (the checkpoint itself was altered)`);
  return c as Checkpoint;
}

/**
 * Checks that, for every chain in the checkpoint, the event at the checkpointed seq still exists and
 * still has the checkpointed hash. A hash is over its whole chain up to it, so a match proves every
 * earlier event of that chain unchanged (given the chain itself verifies: run verifyAuditChain too).
 */
export async function verifyCheckpoint(db: Db, checkpoint: Checkpoint): Promise<CheckpointVerifyResult> {
  const chainIds = Object.keys(checkpoint.heads).sort();
  const mismatches: CheckpointMismatch[] = [];
  const pageSize = 5000;
  for (let i = 0; i < chainIds.length; i += pageSize) {
    const ids = chainIds.slice(i, i + pageSize);
    const seqs = ids.map((id) => checkpoint.heads[id].lastSeq);
    const { rows } = await sql<{ chain_id: string; hash: string | null }>`
      SELECT c.chain_id, e.hash FROM unnest(${ids}::text[], ${seqs}::bigint[]) AS c(chain_id, seq)
      LEFT JOIN audit_events e ON e.chain_id = c.chain_id AND e.seq = c.seq`.execute(db);
    for (const r of rows) {
      const want = checkpoint.heads[r.chain_id];
      if (r.hash === null) mismatches.push({ chainId: r.chain_id, seq: want.lastSeq, reason: `event seq ${want.lastSeq} is missing (events removed since the checkpoint)` });
      else if (r.hash !== want.lastHash) {
        mismatches.push({ chainId: r.chain_id, seq: want.lastSeq, reason: `hash at seq ${want.lastSeq} differs from the checkpoint's: an event at or before it was changed` });
      }
    }
  }
  return { ok: mismatches.length === 0, checkedChains: chainIds.length, mismatches };
}
