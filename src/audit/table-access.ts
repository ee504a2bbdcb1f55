/**
 * What the app's database role may do with each table: THE one list. `drillbook migrate` grants from
 * it (database-roles.ts) and a test checks that every table of the schema is in it.
 *
 * - append-only: the evidence. SELECT and INSERT only: the app can add to the trail, never change or
 *   remove it (no UPDATE, DELETE, TRUNCATE; not the owner, so no ALTER TABLE … DISABLE TRIGGER).
 * - mutable: projections and state the code updates; exactly the privileges it needs.
 *
 * A table missing here (e.g. one a new migration adds) gets SELECT only: the safe side. The app then
 * fails loudly ("permission denied for table …") on its first write until the table is added here, and
 * `drillbook migrate` names it. Adding a table is one line.
 */
export type Privilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export type TableAccess = { kind: 'append-only' } | { kind: 'mutable'; privileges: readonly Privilege[] };

const appendOnly: TableAccess = { kind: 'append-only' };
const mutable = (...privileges: Privilege[]): TableAccess => ({ kind: 'mutable', privileges: ['SELECT', ...privileges] });

export const TABLE_ACCESS: Readonly<Record<string, TableAccess>> = {
  // The hash-chained trail and the evidence of findings (append-only triggers too).
  audit_events: appendOnly,
  findings: appendOnly,
  finding_actions: appendOnly,
  risk_acceptances: appendOnly,
  run_signoffs: appendOnly,
  // A log of inventory applies: written once each.
  inventory_applies: appendOnly,
  // Runbook versions registered (and revoked) for real use: evidence (branch realruns' migration).
  runbook_registrations: appendOnly,

  // Chain heads only move forward (a trigger refuses a rewind or a delete).
  audit_chain_heads: mutable('INSERT', 'UPDATE'),
  // Projections of the trail; `audit verify` checks `runs` against the chained events.
  runs: mutable('INSERT', 'UPDATE'),
  step_results: mutable('INSERT', 'UPDATE'),
  // Operators and their tokens: disabled and revoked, never deleted by the app.
  users: mutable('INSERT', 'UPDATE'),
  api_tokens: mutable('INSERT', 'UPDATE'),
  // The drill programme: a service is retired, never deleted; windows and schedule pins come and go.
  services: mutable('INSERT', 'UPDATE'),
  blackout_windows: mutable('INSERT', 'UPDATE', 'DELETE'),
  drill_schedules: mutable('INSERT', 'UPDATE', 'DELETE'),
  // One real run per service: taken at start, released at the end (branch realruns).
  service_locks: mutable('INSERT', 'UPDATE', 'DELETE'),
  // Idempotency-Key of API starts; its row is locked (FOR UPDATE) while the start is decided (branch abuse).
  api_start_keys: mutable('INSERT', 'UPDATE'),
  // The console's sign-in sessions: ended (sign-out, expiry), never deleted by the app (issue 16).
  console_sessions: mutable('INSERT', 'UPDATE'),
  // The current readiness of each registered runbook (issue 17): rows go when a runbook is no longer registered.
  readiness_states: mutable('INSERT', 'UPDATE', 'DELETE'),
  // The notification dispatcher's outbox: claimed, retried, ended; never deleted (issue 17).
  notification_deliveries: mutable('INSERT', 'UPDATE'),
};

/** Kysely's own bookkeeping: the app reads it (is the schema current?), only migrations write it. */
export const MIGRATION_TABLES = ['kysely_migration', 'kysely_migration_lock'] as const;

export function appendOnlyTables(): string[] {
  return Object.entries(TABLE_ACCESS).filter(([, a]) => a.kind === 'append-only').map(([t]) => t);
}

/** The app role's privileges on `table`: its entry, else SELECT only. */
export function appPrivileges(table: string): readonly Privilege[] {
  const access = TABLE_ACCESS[table];
  if (!access || access.kind === 'append-only') return access ? ['SELECT', 'INSERT'] : ['SELECT'];
  return access.privileges;
}
