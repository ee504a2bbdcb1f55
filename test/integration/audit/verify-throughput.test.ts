/**
 * A quick look at verification speed (the design asks ≥ 100k events/s; bench/ measures it for real).
 * Seeds one chain with a fast multi-row insert, verifies it, prints the rate; asserts no time.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { eventBodyJson } from '../../../src/audit/event-body';
import { chainHash, GENESIS_HASH } from '../../../src/audit/hash-chain';
import type { NewAuditEventRow } from '../../../src/audit/tables/audit-events';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { destroyTestDb, testDb, uniqueId } from '../../support/db';

const EVENTS = 50_000;

let db: Kysely<Database>;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => {
  await destroyTestDb(db);
});

it(`verifies a chain of ${EVENTS} events`, async () => {
  const chainId = uniqueId('bench');
  const t0 = Date.parse('2025-01-01T00:00:00.000Z');
  let prevHash = GENESIS_HASH;
  let batch: NewAuditEventRow[] = [];
  for (let seq = 1; seq <= EVENTS; seq++) {
    const e = { chainId, seq, key: `${chainId}/${seq}`, type: 'step.completed', runId: chainId, stepId: `s${seq % 200}`, actor: 'worker', at: new Date(t0 + seq).toISOString() };
    const body = eventBodyJson(e, `{"attempt":1,"output":{"lagBytes":${seq},"ok":true}}`);
    const hash = chainHash(prevHash, body);
    batch.push({ chain_id: chainId, seq, key: e.key, run_id: chainId, type: e.type, step_id: e.stepId, actor: e.actor, at: e.at, body, prev_hash: prevHash, hash });
    prevHash = hash;
    if (batch.length === 2000 || seq === EVENTS) {
      await db.insertInto('audit_events').values(batch).execute();
      batch = [];
    }
  }
  await db.insertInto('audit_chain_heads').values({ chain_id: chainId, last_seq: EVENTS, last_hash: prevHash }).execute();

  const started = process.hrtime.bigint();
  const result = await verifyAuditChain(db, { chainId });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`verifyAuditChain: ${EVENTS} events in ${seconds.toFixed(2)} s = ${Math.round(EVENTS / seconds)} events/s`);
  expect(result).toEqual({ ok: true, chains: 1, events: EVENTS });
});
