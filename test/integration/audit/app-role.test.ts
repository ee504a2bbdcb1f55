/**
 * The app's database role (`drillbook migrate` creates it): on every append-only table it may only
 * SELECT and INSERT — UPDATE, DELETE, TRUNCATE and ALTER TABLE … DISABLE TRIGGER are refused by
 * PostgreSQL's privileges, not only by triggers it could switch off — while the app's own paths
 * (events with their projections, human actions, findings, users and tokens) still work as it.
 */
import { sql, type Kysely } from 'kysely';
import { appendAuditEvents } from '../../../src/audit/append-events';
import { createDb, type Database } from '../../../src/audit/database';
import { APP_ROLE, OWNER_ROLE } from '../../../src/audit/database-roles';
import { recordHumanAction } from '../../../src/audit/human-actions';
import { migrateDatabase } from '../../../src/audit/migrate-database';
import { getRun, recordRunEnded, recordRunStarted } from '../../../src/audit/runs';
import { schemaStatus } from '../../../src/audit/schema-status';
import { recordStepResult } from '../../../src/audit/step-results';
import { appendOnlyTables, TABLE_ACCESS } from '../../../src/audit/table-access';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { verifyRunProjections } from '../../../src/audit/verify-runs';
import { issueToken, revokeTokens, upsertUser } from '../../../src/auth/users';
import { addAction, raiseFinding } from '../../../src/findings/register';
import { recordSignoff } from '../../../src/findings/signoffs';
import type { Plan } from '../../../src/plan/types';
import { planHash } from '../../../src/runbook/compile';
import { destroyTestDb, isolatedTestDb, testDbUrl, uniqueId } from '../../support/db';

let admin: Kysely<Database>;
let app: Kysely<Database>;

beforeAll(async () => {
  admin = await isolatedTestDb();
  // Migrated by the superuser first, as every existing dev database was: migrate takes ownership over.
  const outcome = await migrateDatabase(testDbUrl(admin), { createRoles: true });
  expect(outcome).toMatchObject({ asOwner: true, granted: true, unclassified: [] });
  const url = new URL(testDbUrl(admin));
  url.username = APP_ROLE;
  app = createDb(url.toString());
  // Something in every append-only table, so an UPDATE or DELETE would have rows to change.
  const runId = uniqueId('run');
  await appendAuditEvents(app, [{ key: `${runId}/x`, runId, type: 'run.noted', actor: 'a', data: {} }]);
  const finding = await raiseFinding(app, { severity: 'low', category: 'rto', title: 't', description: 'd', actor: 'auditor' });
  await addAction(app, { findingId: finding.findingId, description: 'fix', owner: 'dba', dueDate: '2030-01-01', actor: 'auditor' });
  await recordSignoff(app, { runId, role: 'drill-owner', signer: 'olga', comment: null, requestId: uniqueId('req'), signedAt: new Date() });
}, 60_000);

afterAll(async () => {
  await app?.destroy();
  await destroyTestDb(admin);
});

test('every table of the schema is classified in table-access.ts (a new table is one line there)', async () => {
  const { rows } = await sql<{ t: string }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely_migration%'`.execute(admin);
  expect(rows.map((r) => r.t).filter((t) => !(t in TABLE_ACCESS))).toEqual([]);
  const owners = await sql<{ o: string }>`SELECT DISTINCT tableowner AS o FROM pg_tables WHERE schemaname = 'public'`.execute(admin);
  expect(owners.rows.map((r) => r.o)).toEqual([OWNER_ROLE]);
});

describe.each(appendOnlyTables())('as the app role, %s', (table) => {
  const refused = async (statement: string) => {
    // A table classified ahead of the migration that creates it (another branch's) has nothing to refuse yet.
    if ((await sql<{ t: string | null }>`SELECT to_regclass(${table})::text AS t`.execute(admin)).rows[0].t === null) return;
    const error = await sql.raw(statement).execute(app).then(() => undefined, (err: { code?: string; message: string }) => err);
    // PostgreSQL's own refusal, not the append-only trigger's (which a table owner could disable).
    expect(error).toMatchObject({ code: '42501', message: expect.stringMatching(/^(permission denied for table|must be owner of table) /) });
  };
  test('UPDATE is refused', () => refused(`UPDATE ${table} SET id = id`));
  test('DELETE is refused', () => refused(`DELETE FROM ${table}`));
  test('TRUNCATE is refused', () => refused(`TRUNCATE ${table}`));
  test('ALTER TABLE … DISABLE TRIGGER is refused', () => refused(`ALTER TABLE ${table} DISABLE TRIGGER ALL`));
  test('SELECT works', async () => {
    if ((await sql<{ t: string | null }>`SELECT to_regclass(${table})::text AS t`.execute(admin)).rows[0].t === null) return;
    await sql.raw(`SELECT count(*) FROM ${table}`).execute(app);
  });
});

test('as the app role, chain heads and runs cannot be deleted or truncated, nor replication mode turned on', async () => {
  for (const statement of ['DELETE FROM audit_chain_heads', 'TRUNCATE audit_chain_heads', 'DELETE FROM runs', 'TRUNCATE runs', 'SET session_replication_role = replica']) {
    await expect(sql.raw(statement).execute(app)).rejects.toMatchObject({ code: '42501', message: expect.stringMatching(/^permission denied/) });
  }
});

test('as the app role, the app paths work: a run with its projection, step results, human actions, users and tokens', async () => {
  const runId = uniqueId('run');
  const startedAt = new Date();
  const plan = { planVersion: 1, steps: [{ id: 's1', kind: 'action' }] } as unknown as Plan;
  const h = planHash(plan);
  await appendAuditEvents(
    app,
    [{ key: `${runId}/-/run/started`, runId, type: 'run.started', actor: 'olga', at: startedAt, data: { runbook: 'rb', runbookVersion: '1', planHash: h, mode: 'drill', params: {}, services: ['pay'], reason: 'r', temporalRunId: null } }],
    (trx) => recordRunStarted(trx, { runId, runbookName: 'rb', runbookVersion: '1', planHash: h, plan: plan as never, mode: 'drill', params: {}, services: ['pay'], initiator: 'olga', reason: 'r', objectives: {}, startedAt }),
  );
  await recordStepResult(app, { runId, stepId: 's1', execution: 1, status: 'completed', attempts: 1, startedAt, endedAt: new Date(), output: { ok: true }, error: null });
  await recordHumanAction(app, { requestId: uniqueId('req'), outcome: 'refused', action: 'approve', actor: 'eve', runId, runKnown: true, status: 403, code: 'forbidden', message: 'no' });
  const endedAt = new Date();
  await appendAuditEvents(app, [{ key: `${runId}/-/run/ended`, runId, type: 'run.completed', actor: 'drillbook', at: endedAt, data: { state: 'completed', verdict: 'pass', rtoMs: 1200, rpoMs: 0 } }], (trx) =>
    recordRunEnded(trx, { runId, status: 'completed', verdict: 'pass', endedAt, rtoMs: 1200, rpoMs: 0 }).then(() => undefined),
  );
  expect(await getRun(app, runId)).toMatchObject({ status: 'completed', verdict: 'pass', rtoMs: 1200 });
  expect(await verifyAuditChain(app, { chainId: runId })).toMatchObject({ ok: true, events: 3 });
  expect(await verifyRunProjections(app, { runId })).toEqual({ ok: true, runs: 1, mismatches: [] });

  await upsertUser(app, { name: 'olga', roles: ['operator'] });
  await issueToken(app, 'olga', { label: 'cli' });
  expect(await revokeTokens(app, 'olga')).toBe(1);
  expect(await schemaStatus(app)).toEqual({ current: true, pending: [] });
});

test('migrate is idempotent: a second run changes nothing and still grants', async () => {
  const again = await migrateDatabase(testDbUrl(admin), { createRoles: true });
  expect(again).toMatchObject({ applied: [], asOwner: true, granted: true, unclassified: [] });
  await expect(sql`UPDATE audit_events SET actor = actor`.execute(app)).rejects.toMatchObject({ code: '42501' });
  const appUrl = new URL(testDbUrl(admin));
  appUrl.username = APP_ROLE;
  await expect(migrateDatabase(appUrl.toString(), { createRoles: true })).rejects.toThrow(`${APP_ROLE} may neither create roles nor act as ${OWNER_ROLE}`);
});
