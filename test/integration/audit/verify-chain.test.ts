/**
 * Runs in a database of its own: it checks the whole trail, and it tampers with rows (which would fail
 * every other file's verification in the shared database).
 */
import { sql, type Kysely } from 'kysely';
import { appendAuditEvents, type AuditEventInput } from '../../../src/audit/append-events';
import type { Database } from '../../../src/audit/database';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { destroyTestDb, isolatedTestDb, uniqueId } from '../../support/db';

let db: Kysely<Database>;
beforeAll(async () => {
  db = await isolatedTestDb();
});
afterAll(async () => {
  await destroyTestDb(db);
});

function events(runId: string, n: number): AuditEventInput[] {
  return Array.from({ length: n }, (_, i) => ({
    key: `${runId}/${i + 1}`,
    runId,
    type: 'step.completed',
    stepId: `s${i + 1}`,
    actor: 'worker',
    data: { i, note: 'ok' },
  }));
}

/** Changes rows with triggers off, as a superuser could: what the hash chain exists to expose. */
async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    await statement.execute(trx);
  });
}

async function seedRun(n: number): Promise<string> {
  const runId = uniqueId('run');
  await appendAuditEvents(db, events(runId, n));
  return runId;
}

describe('verifyAuditChain', () => {
  it('passes on good chains, one or all', async () => {
    const runs = [await seedRun(5), await seedRun(3), await seedRun(12)];
    expect(await verifyAuditChain(db, { chainId: runs[2] })).toEqual({ ok: true, chains: 1, events: 12 });
    // Pages smaller than a chain, so chains cross page boundaries.
    expect(await verifyAuditChain(db, { batchSize: 4 })).toEqual({ ok: true, chains: 3, events: 20 });
    expect(await verifyAuditChain(db, { chainId: 'no-such-chain' })).toEqual({ ok: true, chains: 0, events: 0 });
  });

  it('names the event whose body was altered', async () => {
    const runId = await seedRun(6);
    await tamper(sql`UPDATE audit_events SET body = replace(body, '"note":"ok"', '"note":"KO"') WHERE key = ${`${runId}/4`}`);
    const result = await verifyAuditChain(db, { chainId: runId });
    expect(result.ok).toBe(false);
    expect(result.events).toBe(3);
    expect(result.firstBreak).toMatchObject({ chainId: runId, runId, seq: 4, key: `${runId}/4`, type: 'step.completed' });
    expect(result.firstBreak?.reason).toMatch(/hash does not match/);
    expect(result.firstBreak?.eventId).toMatch(/^\d+$/);
    // The whole-trail check finds it too.
    expect((await verifyAuditChain(db)).firstBreak).toMatchObject({ chainId: runId, seq: 4 });
  });

  it('names the event whose type column was altered', async () => {
    const runId = await seedRun(4);
    await tamper(sql`UPDATE audit_events SET type = 'step.skipped' WHERE key = ${`${runId}/2`}`);
    const result = await verifyAuditChain(db, { chainId: runId });
    expect(result.firstBreak).toMatchObject({ chainId: runId, seq: 2, type: 'step.skipped', reason: 'type differs from the body' });
  });

  it('sees a sub-millisecond change of `at`', async () => {
    const runId = await seedRun(2);
    await tamper(sql`UPDATE audit_events SET at = at + interval '1 microsecond' WHERE key = ${`${runId}/2`}`);
    expect((await verifyAuditChain(db, { chainId: runId })).firstBreak).toMatchObject({ seq: 2, reason: 'at differs from the body' });
  });

  it('sees a removed event', async () => {
    const runId = await seedRun(5);
    await tamper(sql`DELETE FROM audit_events WHERE key = ${`${runId}/3`}`);
    const result = await verifyAuditChain(db, { chainId: runId });
    expect(result.firstBreak).toMatchObject({ chainId: runId, seq: 4 });
    expect(result.firstBreak?.reason).toMatch(/seq 4 where 3 was expected/);
  });

  it('sees a removed tail through the head', async () => {
    const runId = await seedRun(5);
    await tamper(sql`DELETE FROM audit_events WHERE key = ${`${runId}/5`}`);
    const result = await verifyAuditChain(db, { chainId: runId });
    expect(result.firstBreak).toMatchObject({ chainId: runId, seq: 4 });
    expect(result.firstBreak?.reason).toMatch(/head says seq 5/);
  });

  it('sees a chain removed entirely', async () => {
    const runId = await seedRun(2);
    await tamper(sql`DELETE FROM audit_events WHERE run_id = ${runId}`);
    const result = await verifyAuditChain(db, { chainId: runId });
    expect(result.firstBreak).toMatchObject({ chainId: runId, seq: 0, eventId: null });
    expect(result.firstBreak?.reason).toMatch(/no events/);
  });

  it('sees an event rewritten with a fresh, self-consistent hash (the next link breaks)', async () => {
    const runId = await seedRun(3);
    await tamper(sql`
      UPDATE audit_events
         SET body = replace(body, '"note":"ok"', '"note":"KO"'),
             hash = encode(sha256(convert_to(prev_hash || E'\n' || replace(body, '"note":"ok"', '"note":"KO"'), 'UTF8')), 'hex')
       WHERE key = ${`${runId}/2`}`);
    expect((await verifyAuditChain(db, { chainId: runId })).firstBreak).toMatchObject({
      seq: 3,
      reason: "prev_hash is not the previous event's hash",
    });
  });
});
