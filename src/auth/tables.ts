/**
 * The operator tables (migration 2026_11_25_120000_operators): users with their roles, and API tokens
 * stored as sha256 hashes. Kept beside the audit `Database` rather than in it: `authDb` widens a
 * connection to see both, so audit code keeps its own narrow type.
 */
import type { ColumnType, Generated, Kysely } from 'kysely';
import type { Database } from '../audit/database';
import type { Timestamp } from '../audit/tables/column-types';

export interface UsersTable {
  name: string;
  display_name: string | null;
  roles: ColumnType<string[], string[] | undefined, string[]>;
  disabled: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Generated<Date>;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ApiTokensTable {
  /** sha256 (hex) of the token; the token itself is shown once, at creation, and never stored. */
  token_hash: string;
  user_name: string;
  label: string;
  /** The token's first characters: not enough to use it, enough to recognise it. */
  prefix: string;
  created_at: Generated<Date>;
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  revoked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  last_used_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

// A type alias, not an interface: `withTables` needs an index-signature-compatible record.
export type AuthTables = {
  users: UsersTable;
  api_tokens: ApiTokensTable;
};

export type AuthDatabase = Database & AuthTables;

/** The same connection, typed to see the operator tables too. */
export function authDb(db: Kysely<Database>): Kysely<AuthDatabase> {
  return db.withTables<AuthTables>();
}

export type { Timestamp };
