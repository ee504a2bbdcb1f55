/**
 * The runbook registry: the runbook versions (plan hashes) an admin has registered for real use, each
 * with a reason, and their revocations. Failover and failback runs start only from a hash registered
 * now; drills run any valid runbook.
 *
 * Append-only: every registration and revocation is a new row plus an audit event on the `runbooks`
 * chain, in one transaction; a hash's state is its latest row.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { appendAuditEvents } from '../audit/append-events';
import type { Database, Db } from '../audit/database';
import { jsonb } from '../audit/jsonb';
import type { Json, Plan } from '../plan/types';
import { realRunsDb, type RealRunsDatabase, type RunbookRegistrationsTable } from './tables';
import type { Selectable } from 'kysely';

/** The chain every registration and revocation is appended to. */
export const RUNBOOKS_CHAIN = 'runbooks';

/** The shortest plan-hash prefix a revocation may name (what `runbook list` prints is longer). */
export const MIN_HASH_PREFIX = 8;

/** Thrown when a registration or revocation is refused: names the field at fault. */
export class RegistryError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly kind: 'invalid' | 'not-found' | 'conflict' = 'invalid',
  ) {
    super(`${field}: ${message}`);
  }
}

export interface RegistrationEntry {
  action: 'registered' | 'revoked';
  reason: string;
  actor: string;
  at: Date;
  requestId: string;
}

/** A plan hash's state: its runbook, whether it may run for real now, and its last registration and revocation. */
export interface RunbookRegistration {
  planHash: string;
  runbook: string;
  version: string;
  services: string[];
  modes: string[];
  file: string | null;
  status: 'registered' | 'revoked';
  registered: RegistrationEntry;
  revoked: RegistrationEntry | null;
}

export interface RegisterInput {
  plan: Plan;
  planHash: string;
  file?: string | null;
  reason: string;
  actor: string;
  requestId: string;
  at?: Date;
}

export interface RevokeInput {
  /** The full hash, or a unique prefix of at least MIN_HASH_PREFIX hex digits. */
  planHash: string;
  reason: string;
  actor: string;
  requestId: string;
  at?: Date;
}

type Row = Selectable<RunbookRegistrationsTable>;
type Trx = Transaction<RealRunsDatabase>;

/** Registers a plan for real use. @throws RegistryError (conflict) when it is registered already. */
export async function registerRunbook(db: Kysely<Database>, input: RegisterInput): Promise<RunbookRegistration> {
  const reason = requireText(input.reason, 'reason');
  return change(db, async (trx) => {
    const latest = await latestRows(trx, [input.planHash]);
    if (latest[0]?.action === 'registered') {
      throw new RegistryError('runbook', `plan ${input.planHash} (${input.plan.runbook.name} ${input.plan.runbook.version}) is registered already (by ${latest[0].actor}, ${latest[0].recorded_at.toISOString()})`, 'conflict');
    }
    const at = input.at ?? new Date();
    const row = await trx
      .insertInto('runbook_registrations')
      .values({
        plan_hash: input.planHash, action: 'registered', runbook_name: input.plan.runbook.name, runbook_version: input.plan.runbook.version,
        services: input.plan.services, modes: input.plan.modes, file: input.file ?? null, plan: jsonb(input.plan as unknown as Json),
        reason, actor: input.actor, request_id: input.requestId, recorded_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, type: 'runbook.registered' };
  });
}

/** Revokes a registered plan. @throws RegistryError: unknown or ambiguous hash, or not registered now. */
export async function revokeRunbook(db: Kysely<Database>, input: RevokeInput): Promise<RunbookRegistration> {
  const reason = requireText(input.reason, 'reason');
  const prefix = input.planHash.trim().toLowerCase();
  if (!new RegExp(`^[0-9a-f]{${MIN_HASH_PREFIX},64}$`).test(prefix)) {
    throw new RegistryError('planHash', `"${input.planHash}" is not a plan hash (${MIN_HASH_PREFIX} to 64 hex digits)`);
  }
  return change(db, async (trx) => {
    const hashes = await trx.selectFrom('runbook_registrations').select('plan_hash').distinct().where('plan_hash', 'like', `${prefix}%`).limit(2).execute();
    if (hashes.length === 0) throw new RegistryError('planHash', `no runbook registration has plan hash ${prefix}`, 'not-found');
    if (hashes.length > 1) throw new RegistryError('planHash', `${prefix} names more than one plan hash: give more digits`);
    const [latest] = await latestRows(trx, [hashes[0].plan_hash]);
    if (latest.action !== 'registered') {
      throw new RegistryError('planHash', `plan ${latest.plan_hash} is not registered (revoked by ${latest.actor}, ${latest.recorded_at.toISOString()})`, 'conflict');
    }
    const at = input.at ?? new Date();
    const row = await trx
      .insertInto('runbook_registrations')
      .values({
        plan_hash: latest.plan_hash, action: 'revoked', runbook_name: latest.runbook_name, runbook_version: latest.runbook_version,
        services: latest.services, modes: latest.modes, file: latest.file, plan: null,
        reason, actor: input.actor, request_id: input.requestId, recorded_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { row, type: 'runbook.revoked' };
  });
}

/** Whether `planHash` may start a real run now (registered, not revoked since). */
export async function isRegistered(db: Db, planHash: string): Promise<boolean> {
  const [latest] = await latestRows(realRunsDb(db), [planHash]);
  return latest?.action === 'registered';
}

/** Every plan hash ever registered, with its state; registered ones first, then by runbook name. */
export async function listRegistrations(db: Db): Promise<RunbookRegistration[]> {
  const rows = await realRunsDb(db).selectFrom('runbook_registrations').selectAll().orderBy('id').execute();
  const byHash = new Map<string, Row[]>();
  for (const row of rows) byHash.set(row.plan_hash, [...(byHash.get(row.plan_hash) ?? []), row]);
  return [...byHash.values()]
    .map(toRegistration)
    .sort((a, b) => (a.status === b.status ? a.runbook.localeCompare(b.runbook) || a.version.localeCompare(b.version) : a.status === 'registered' ? -1 : 1));
}

/** A registered runbook's latest registered version, with its plan. */
export interface RegisteredPlan {
  runbook: string;
  version: string;
  planHash: string;
  plan: Plan;
  registeredAt: Date;
}

/**
 * For each runbook (by name) that drills `service`, its most recently registered version that is still
 * registered (not revoked since), with the plan the admin registered.
 */
export async function latestRegisteredPlans(db: Db, service: string): Promise<RegisteredPlan[]> {
  const latest = await realRunsDb(db)
    .selectFrom('runbook_registrations')
    .selectAll()
    .distinctOn('plan_hash')
    .where(sql<boolean>`${service} = ANY(services)`)
    .orderBy('plan_hash')
    .orderBy('id', 'desc')
    .execute();
  const byName = new Map<string, Row>();
  for (const row of latest) {
    if (row.action !== 'registered' || !row.plan) continue;
    const kept = byName.get(row.runbook_name);
    if (!kept || Number(row.id) > Number(kept.id)) byName.set(row.runbook_name, row);
  }
  return [...byName.values()]
    .sort((a, b) => a.runbook_name.localeCompare(b.runbook_name))
    .map((r) => ({ runbook: r.runbook_name, version: r.runbook_version, planHash: r.plan_hash, plan: r.plan as unknown as Plan, registeredAt: r.recorded_at }));
}

/** One registry change: the registry locked (so two admins never both register one hash), the row, its event. */
async function change(db: Kysely<Database>, fn: (trx: Trx) => Promise<{ row: Row; type: string }>): Promise<RunbookRegistration> {
  return realRunsDb(db)
    .transaction()
    .execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(hashtext('drillbook.runbook_registrations'))`.execute(trx);
      const { row, type } = await fn(trx);
      await appendAuditEvents(trx as unknown as Transaction<Database>, [
        {
          key: `runbooks/${row.request_id}`,
          chainId: RUNBOOKS_CHAIN,
          runId: null,
          type,
          actor: row.actor,
          at: row.recorded_at,
          data: {
            planHash: row.plan_hash,
            runbook: row.runbook_name,
            runbookVersion: row.runbook_version,
            services: row.services,
            modes: row.modes,
            file: row.file,
            reason: row.reason,
            requestId: row.request_id,
            registrationId: Number(row.id),
          },
        },
      ]);
      const history = await trx.selectFrom('runbook_registrations').selectAll().where('plan_hash', '=', row.plan_hash).orderBy('id').execute();
      return toRegistration(history);
    });
}

async function latestRows(db: Kysely<RealRunsDatabase> | Trx, hashes: string[]): Promise<Row[]> {
  return db
    .selectFrom('runbook_registrations')
    .selectAll()
    .distinctOn('plan_hash')
    .where('plan_hash', 'in', hashes)
    .orderBy('plan_hash')
    .orderBy('id', 'desc')
    .execute();
}

/** A hash's rows, oldest first → its state. */
function toRegistration(rows: Row[]): RunbookRegistration {
  const latest = rows[rows.length - 1];
  const lastOf = (action: Row['action']) => [...rows].reverse().find((r) => r.action === action);
  const entry = (r: Row | undefined): RegistrationEntry | null =>
    r ? { action: r.action, reason: r.reason, actor: r.actor, at: r.recorded_at, requestId: r.request_id } : null;
  const revoked = latest.action === 'revoked' ? entry(latest) : null;
  return {
    planHash: latest.plan_hash,
    runbook: latest.runbook_name,
    version: latest.runbook_version,
    services: latest.services,
    modes: latest.modes,
    file: lastOf('registered')?.file ?? null,
    status: latest.action,
    registered: entry(lastOf('registered'))!,
    revoked,
  };
}

function requireText(value: string, field: string): string {
  const text = value.trim();
  if (!text) throw new RegistryError(field, 'must not be empty');
  return text;
}
