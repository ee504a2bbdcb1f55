/** Reading `audit_events` (writing is append-events.ts's alone). */
import type { Json } from '../plan/types';
import type { Db } from './database';
import type { AuditEventRow } from './tables/audit-events';

export interface AuditEventRecord {
  id: string;
  chainId: string;
  seq: number;
  key: string;
  runId: string | null;
  type: string;
  stepId: string | null;
  actor: string;
  at: Date;
  data: Json;
  /** The canonical JSON that was hashed: with prevHash and hash, evidence anyone can re-check. */
  body: string;
  prevHash: string;
  hash: string;
}

/** A run's events, in seq order (a run's events are on its own chain unless a caller chose another). */
export async function listRunEvents(db: Db, runId: string): Promise<AuditEventRecord[]> {
  const rows = await db
    .selectFrom('audit_events')
    .selectAll()
    .where('run_id', '=', runId)
    .orderBy('seq')
    .orderBy('id')
    .execute();
  return rows.map(toAuditEventRecord);
}

export function toAuditEventRecord(row: AuditEventRow): AuditEventRecord {
  return {
    id: row.id,
    chainId: row.chain_id,
    seq: Number(row.seq),
    key: row.key,
    runId: row.run_id,
    type: row.type,
    stepId: row.step_id,
    actor: row.actor,
    at: row.at,
    data: row.data,
    body: row.body,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
