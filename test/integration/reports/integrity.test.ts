/**
 * Integrity of the audit trail and the evidence tables, against real PostgreSQL: UPDATE/DELETE/
 * TRUNCATE refused by triggers, a read-only auditor role that cannot write, a row altered by a
 * superuser with triggers disabled found by verification (run and seq named), and a checkpoint
 * taken before the alteration proving it even after the chain was re-hashed to look intact.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { Client } from 'pg';
import { appendAuditEvents } from '../../../src/audit/append-events';
import { ensureAuditorRole } from '../../../src/audit/auditor-role';
import { takeCheckpoint, verifyCheckpoint, parseCheckpoint } from '../../../src/audit/checkpoint';
import type { Database } from '../../../src/audit/database';
import { recordRunStarted } from '../../../src/audit/runs';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { addAction, raiseFinding, acceptRisk } from '../../../src/findings/register';
import { recordSignoff } from '../../../src/findings/signoffs';
import { asSuperuser, destroyTestDb, isolatedTestDb, rehashChain, testDbUrl } from '../../support/db';

let db: Kysely<Database>;
const runId = `run-${randomUUID()}`;
const role = `drillbook_auditor_${randomUUID().replace(/-/g, '').slice(0, 10)}`;

beforeAll(async () => {
  db = await isolatedTestDb();
  await recordRunStarted(db, {
    runId, runbookName: 'rb', runbookVersion: '1', planHash: 'h', mode: 'drill', params: {}, services: ['payments'], initiator: 'alice',
    reason: 'test', objectives: {}, startedAt: new Date(), plan: { steps: [{ id: 's1' }] } as never,
  });
  await appendAuditEvents(db, Array.from({ length: 6 }, (_, i) => ({ key: `${runId}/e${i + 1}`, runId, type: 'step.completed', stepId: `s${i + 1}`, actor: 'drillbook', data: { i } })));
  const f = await raiseFinding(db, { runId, stepId: 's1', severity: 'high', category: 'rto', title: 't', description: 'slow', actor: 'alice' });
  await addAction(db, { findingId: f.findingId, description: 'fix', owner: 'bob', dueDate: '2030-01-01', actor: 'alice' });
  await acceptRisk(db, { findingId: f.findingId, approver: 'carol', rationale: 'r', expiresAt: new Date(Date.now() + 86_400_000), actor: 'alice' });
  await recordSignoff(db, { runId, role: 'drill-owner', signer: 'alice', comment: null, requestId: randomUUID(), signedAt: new Date() });
});

afterAll(async () => {
  await destroyTestDb(db);
  const admin = new Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
  await admin.end();
});

const TABLES = ['audit_events', 'findings', 'finding_actions', 'risk_acceptances', 'run_signoffs'] as const;

describe('append-only tables', () => {
  test.each(TABLES)('%s refuses UPDATE, DELETE and TRUNCATE', async (table) => {
    const before = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db)).rows[0].n;
    expect(before).toBeGreaterThan(0);
    const column = table === 'audit_events' ? 'actor' : table === 'run_signoffs' ? 'signer' : 'recorded_by';
    await expect(sql`UPDATE ${sql.table(table)} SET ${sql.ref(column)} = 'mallory'`.execute(db)).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(sql`DELETE FROM ${sql.table(table)}`.execute(db)).rejects.toThrow(/append-only: DELETE refused/);
    await expect(sql`TRUNCATE ${sql.table(table)} CASCADE`.execute(db)).rejects.toThrow(/append-only: TRUNCATE refused/);
    const after = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(db)).rows[0].n;
    expect(after).toBe(before);
  });
});

describe('auditor role', () => {
  test('reads every audit table and writes none', async () => {
    await ensureAuditorRole(db, { name: role });
    await ensureAuditorRole(db, { name: role }); // idempotent
    const client = new Client({ connectionString: testDbUrl(db) });
    await client.connect();
    try {
      await client.query(`SET ROLE ${role}`);
      const { rows } = await client.query('SELECT count(*)::int AS n FROM audit_events');
      expect(rows[0].n).toBeGreaterThan(0);
      for (const table of ['findings', 'runs', 'run_signoffs', 'step_results']) await client.query(`SELECT * FROM ${table} LIMIT 1`);
      const writes = [
        `INSERT INTO audit_events (chain_id, seq, key, type, actor, at, body, prev_hash, hash) VALUES ('x', 1, 'k', 't', 'a', now(), '{}', 'p', 'h')`,
        `UPDATE runs SET reason = 'x'`,
        `DELETE FROM runs`,
        `INSERT INTO findings (finding_id, revision, severity, category, title, description, status, raised_at, recorded_by, recorded_at) VALUES ('F-x', 1, 'low', 'c', 't', 'd', 'open', now(), 'm', now())`,
        `INSERT INTO run_signoffs (run_id, role, signer, request_id, signed_at) VALUES ('r', 'drill-owner', 'm', 'x', now())`,
        `CREATE TABLE auditor_scratch (x int)`,
      ];
      for (const statement of writes) await expect(client.query(statement)).rejects.toThrow(/permission denied/);
      await expect(client.query('SELECT * FROM api_tokens')).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
  });
});

describe('tampering', () => {
  test('verify names the run and seq of an altered row; a prior checkpoint proves a re-hashed chain changed', async () => {
    expect((await verifyAuditChain(db)).ok).toBe(true);
    const checkpoint = parseCheckpoint(JSON.stringify(await takeCheckpoint(db)));
    expect(checkpoint.heads[runId].lastSeq).toBe(7); // 6 step events + the sign-off
    expect((await verifyCheckpoint(db, checkpoint)).ok).toBe(true);

    // A superuser bypasses the trigger and rewrites the body of seq 3.
    await asSuperuser(db, (admin) => admin.query(`UPDATE audit_events SET body = replace(body, '"i":2', '"i":99') WHERE chain_id = $1 AND seq = 3`, [runId]));

    const broken = await verifyAuditChain(db);
    expect(broken.ok).toBe(false);
    expect(broken.firstBreak).toMatchObject({ chainId: runId, runId, seq: 3 });
    expect(broken.firstBreak!.reason).toMatch(/hash does not match/);

    // Now the careful forger re-hashes seq 3 onwards and moves the head: the chain verifies again...
    await asSuperuser(db, (admin) => rehashChain(admin, runId));
    expect((await verifyAuditChain(db)).ok).toBe(true);
    // ...but not against the checkpoint kept from before.
    const against = await verifyCheckpoint(db, checkpoint);
    expect(against.ok).toBe(false);
    expect(against.mismatches).toEqual([expect.objectContaining({ chainId: runId, seq: 7 })]);
    // Other chains (the findings register) are unaffected.
    expect(against.checkedChains).toBeGreaterThan(1);
  });

  test('a checkpoint file altered after it was taken is refused', async () => {
    const checkpoint = await takeCheckpoint(db);
    const edited = { ...checkpoint, events: checkpoint.events + 1 };
    expect(() => parseCheckpoint(JSON.stringify(edited), 'cp.json')).toThrow(/cp.json: digest/);
    expect(() => parseCheckpoint('nope', 'cp.json')).toThrow(/cp.json: not JSON/);
  });
});
