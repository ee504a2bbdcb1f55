/**
 * The evidence tables of findings and sign-offs (migrations/2026_11_25_140000_findings.ts), added to
 * the audit database's type with `findingsDb(db)`. Append-only: rows are inserted, never updated.
 */
import type { ColumnType, Kysely, Transaction } from 'kysely';
import type { Database } from '../audit/database';
import type { Timestamp } from '../audit/tables/column-types';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const FINDING_STATUSES = ['open', 'risk-accepted', 'closed'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];
export const ACTION_STATUSES = ['open', 'in-progress', 'done', 'cancelled'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const SIGNOFF_ROLES = ['drill-owner', 'business-owner', 'independent-reviewer'] as const;
export type SignoffRole = (typeof SIGNOFF_ROLES)[number];

/** `date`: pg returns a Date at local midnight unless parsed otherwise; we read it as text (to_char). */
type DateColumn = ColumnType<Date, string, string>;

export interface FindingsTable {
  id: ColumnType<string, never, never>;
  finding_id: string;
  revision: number;
  supersedes: ColumnType<string | null, string | number | null, never>;
  run_id: string | null;
  step_id: string | null;
  severity: string;
  category: string;
  title: string;
  description: string;
  status: string;
  raised_at: Timestamp;
  recorded_by: string;
  recorded_at: Timestamp;
  note: string | null;
}

export interface FindingActionsTable {
  id: ColumnType<string, never, never>;
  action_id: string;
  revision: number;
  supersedes: ColumnType<string | null, string | number | null, never>;
  finding_id: string;
  description: string;
  owner: string;
  due_date: DateColumn;
  status: string;
  closing_evidence: string | null;
  retest_run_id: string | null;
  created_at: Timestamp;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface RiskAcceptancesTable {
  id: ColumnType<string, never, never>;
  finding_id: string;
  supersedes: ColumnType<string | null, string | number | null, never>;
  approver: string;
  rationale: string;
  expires_at: Timestamp;
  recorded_by: string;
  recorded_at: Timestamp;
}

export interface RunSignoffsTable {
  id: ColumnType<string, never, never>;
  run_id: string;
  role: string;
  signer: string;
  comment: string | null;
  request_id: string;
  signed_at: Timestamp;
}

export type FindingsTables = {
  findings: FindingsTable;
  finding_actions: FindingActionsTable;
  risk_acceptances: RiskAcceptancesTable;
  run_signoffs: RunSignoffsTable;
};

export type FindingsDatabase = Database & FindingsTables;
export type FindingsDb = Kysely<FindingsDatabase> | Transaction<FindingsDatabase>;

/** The audit database (or a transaction on it) seen with the findings tables. */
export function findingsDb(db: Kysely<Database> | Transaction<Database>): FindingsDb {
  return (db as Kysely<Database>).withTables<FindingsTables>() as FindingsDb;
}
