/** `audit_chain_heads`: the last seq and hash of each chain; its row lock serialises appends to one chain. */
import type { ColumnType, Insertable, Selectable } from 'kysely';
import type { Int8 } from './column-types';

export interface AuditChainHeadsTable {
  chain_id: string;
  last_seq: Int8;
  last_hash: string;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export type AuditChainHeadRow = Selectable<AuditChainHeadsTable>;
export type NewAuditChainHeadRow = Insertable<AuditChainHeadsTable>;
