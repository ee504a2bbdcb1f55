/**
 * `audit_events`: the append-only, hash-chained trail. A trigger refuses UPDATE, DELETE and TRUNCATE.
 * `body` is the canonical JSON that was hashed; the other columns repeat parts of it for queries, and
 * verification checks that they still agree with it.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { Json } from '../../plan/types';
import type { Int8, Timestamp } from './column-types';

export interface AuditEventsTable {
  id: Generated<string>;
  chain_id: string;
  seq: Int8;
  /** Idempotency key (e.g. `<runId>/<stepId>/<execution>/<attempt>/completed`), unique. */
  key: string;
  run_id: string | null;
  /** `subject.pastTense`, e.g. `run.started`, `step.completed`. */
  type: string;
  step_id: string | null;
  actor: string;
  at: Timestamp;
  body: string;
  /** Generated from `body`: never written. */
  data: ColumnType<Json, never, never>;
  prev_hash: string;
  hash: string;
}

export type AuditEventRow = Selectable<AuditEventsTable>;
export type NewAuditEventRow = Insertable<AuditEventsTable>;
