/**
 * Two-thread verification (`threads: 2`) against the one-thread walk, on a database of its own: five
 * chains of six events, which the heads split as [chain-a, chain-b] and [chain-c, chain-d, chain-e].
 * Each step tampers more and expects both to report the same first break and counts. The steps build
 * on each other, in order.
 */
import { sql, type Kysely } from 'kysely';
import { appendAuditEvents } from '../../../src/audit/append-events';
import { poolOf, type Database } from '../../../src/audit/database';
import { verifyAuditChain, type VerifyResult } from '../../../src/audit/verify-chain';
import { planTwoRanges } from '../../../src/audit/verify-two-threads';
import { destroyTestDb, isolatedTestDb } from '../../support/db';

const CHAINS = ['chain-a', 'chain-b', 'chain-c', 'chain-d', 'chain-e'];
const PER_CHAIN = 6;

let db: Kysely<Database>;
beforeAll(async () => {
  db = await isolatedTestDb();
  for (const chainId of CHAINS) {
    await appendAuditEvents(
      db,
      Array.from({ length: PER_CHAIN }, (_, i) => ({
        key: `${chainId}/${i + 1}`, runId: chainId, type: 'step.completed', stepId: `s${i + 1}`, actor: 'worker', data: { i, note: 'ok' },
      })),
    );
  }
});
afterAll(async () => {
  await destroyTestDb(db);
});

/** Changes rows with triggers off, as a superuser could. */
async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`SET LOCAL session_replication_role = replica`.execute(trx);
    await statement.execute(trx);
  });
}

/** Both ways, pages of 4 rows so chains cross pages in each thread; they must agree. */
async function verifyBothWays(): Promise<VerifyResult> {
  const one = await verifyAuditChain(db, { threads: 1, batchSize: 4 });
  const two = await verifyAuditChain(db, { threads: 2, batchSize: 4 });
  expect(two).toEqual(one);
  // The defaults too (one thread for a trail this small).
  expect(await verifyAuditChain(db)).toEqual(one);
  return two;
}

describe('verifyAuditChain in two threads', () => {
  it('splits where the heads reach half of the events', async () => {
    const client = await poolOf(db)!.connect();
    try {
      expect(await planTwoRanges(client)).toEqual({ split: 'chain-c', events: CHAINS.length * PER_CHAIN });
    } finally {
      client.release();
    }
  });

  it('passes a sound trail with the same counts', async () => {
    expect(await verifyBothWays()).toEqual({ ok: true, chains: 5, events: 30 });
  });

  it('still finds a head without events once both ranges hold', async () => {
    await tamper(sql`DELETE FROM audit_events WHERE chain_id = 'chain-d'`);
    const result = await verifyBothWays();
    expect(result).toMatchObject({ ok: false, chains: 5, events: 24 });
    expect(result.firstBreak).toMatchObject({ chainId: 'chain-d', seq: 0, eventId: null });
  });

  it('reports the first of two breaks in the second range, counting the first range', async () => {
    await tamper(sql`UPDATE audit_events SET body = replace(body, '"note":"ok"', '"note":"KO"') WHERE key IN ('chain-e/2', 'chain-c/5')`);
    const result = await verifyBothWays();
    expect(result).toMatchObject({ ok: false, chains: 3, events: 2 * PER_CHAIN + 4 });
    expect(result.firstBreak).toMatchObject({ chainId: 'chain-c', seq: 5, key: 'chain-c/5' });
    expect(result.firstBreak?.reason).toMatch(/hash does not match/);
    expect(result.firstBreak?.eventId).toMatch(/^\d+$/);
  });

  it('reports a break at the end of the first range (its last head) before the second range’s', async () => {
    await tamper(sql`DELETE FROM audit_events WHERE key = 'chain-b/6'`);
    const result = await verifyBothWays();
    expect(result).toMatchObject({ ok: false, chains: 2, events: 2 * PER_CHAIN - 1 });
    expect(result.firstBreak).toMatchObject({ chainId: 'chain-b', seq: 5, key: 'chain-b/5' });
    expect(result.firstBreak?.reason).toMatch(/head says seq 6/);
  });

  it('reports a break early in the first range', async () => {
    await tamper(sql`UPDATE audit_events SET actor = 'someone' WHERE key = 'chain-a/2'`);
    const result = await verifyBothWays();
    expect(result).toMatchObject({ ok: false, chains: 1, events: 1 });
    expect(result.firstBreak).toMatchObject({ chainId: 'chain-a', seq: 2, reason: 'actor differs from the body' });
  });
});
