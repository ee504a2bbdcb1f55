import type { Kysely, Transaction } from 'kysely';
import { appendAuditEvents, type AuditEventInput } from '../../../src/audit/append-events';
import type { Database } from '../../../src/audit/database';
import { listRunEvents } from '../../../src/audit/audit-events';
import { getStepResult, recordStepResult } from '../../../src/audit/step-results';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { GENESIS_HASH, chainHash } from '../../../src/audit/hash-chain';
import { destroyTestDb, testDb, uniqueId } from '../../support/db';

let db: Kysely<Database>;
beforeAll(async () => {
  db = await testDb();
});
afterAll(async () => {
  await destroyTestDb(db);
});

function event(runId: string, name: string, extra: Partial<AuditEventInput> = {}): AuditEventInput {
  return { key: `${runId}/${name}`, runId, type: 'step.completed', stepId: name, actor: 'worker', data: { name }, ...extra };
}

describe('appendAuditEvents', () => {
  it('writes each key exactly once, however often it is called', async () => {
    const runId = uniqueId('run');
    const events = [event(runId, 'a'), event(runId, 'b')];
    expect(await appendAuditEvents(db, events)).toEqual({ inserted: 2, skipped: 0 });
    expect(await appendAuditEvents(db, events)).toEqual({ inserted: 0, skipped: 2 });
    expect(await appendAuditEvents(db, [event(runId, 'b'), event(runId, 'c'), event(runId, 'c')])).toEqual({
      inserted: 1,
      skipped: 2,
    });

    const stored = await listRunEvents(db, runId);
    expect(stored.map((e) => [e.key, e.seq])).toEqual([
      [`${runId}/a`, 1],
      [`${runId}/b`, 2],
      [`${runId}/c`, 3],
    ]);
    expect(stored[0].prevHash).toBe(GENESIS_HASH);
    expect(stored[1].prevHash).toBe(stored[0].hash);
    expect(stored[2].hash).toBe(chainHash(stored[1].hash, stored[2].body));
  });

  it('stores the canonical body it hashed, with data queryable as jsonb', async () => {
    const runId = uniqueId('run');
    const at = new Date('2025-03-01T02:03:04.567Z');
    await appendAuditEvents(db, [
      { key: `${runId}/started`, runId, type: 'run.started', actor: 'alice', at, data: { z: 1, a: [true, null, 'x'] } },
    ]);
    const [stored] = await listRunEvents(db, runId);
    expect(stored.body).toBe(
      `{"actor":"alice","at":"2025-03-01T02:03:04.567Z","chainId":"${runId}","data":{"a":[true,null,"x"],"z":1},` +
        `"key":"${runId}/started","runId":"${runId}","seq":1,"stepId":null,"type":"run.started"}`,
    );
    expect(stored.data).toEqual({ z: 1, a: [true, null, 'x'] });
    expect(stored.at).toEqual(at);
    expect(stored.hash).toBe(chainHash(GENESIS_HASH, stored.body));
  });

  it('gives concurrent appends to one chain contiguous seqs and a valid chain', async () => {
    const runId = uniqueId('run');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => appendAuditEvents(db, [event(runId, `s${i}-1`), event(runId, `s${i}-2`)])),
    );
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(60);
    const seqs = (await listRunEvents(db, runId)).map((e) => e.seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(await verifyAuditChain(db, { chainId: runId })).toEqual({ ok: true, chains: 1, events: 60 });
  });

  it('writes a key once when the same call races itself (a retry overlapping its first attempt)', async () => {
    const runId = uniqueId('run');
    const events = [event(runId, 'a'), event(runId, 'b')];
    const results = await Promise.all([1, 2, 3, 4].map(() => appendAuditEvents(db, events)));
    expect(results.reduce((n, r) => n + r.inserted, 0)).toBe(2);
    expect(results.reduce((n, r) => n + r.skipped, 0)).toBe(6);
    expect((await listRunEvents(db, runId)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('does not make one chain wait for another chain held open', async () => {
    const runA = uniqueId('run');
    const runB = uniqueId('run');
    let release!: () => void;
    let locked!: () => void;
    const lockedA = new Promise<void>((resolve) => (locked = resolve));
    const holdA = db.transaction().execute(async (trx) => {
      await appendAuditEvents(trx, [event(runA, 'a1')]); // holds chain A's head lock until commit
      locked();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await lockedA;

    const secondA = appendAuditEvents(db, [event(runA, 'a2')]);
    const timeout = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
    await expect(Promise.race([appendAuditEvents(db, [event(runB, 'b1')]), timeout(5000)])).resolves.toEqual({
      inserted: 1,
      skipped: 0,
    });
    // Chain A itself does wait: appends to one chain are serialised by its head.
    await expect(Promise.race([secondA, timeout(300)])).resolves.toBe('timeout');

    release();
    await holdA;
    await expect(secondA).resolves.toEqual({ inserted: 1, skipped: 0 });
    expect((await listRunEvents(db, runA)).map((e) => [e.stepId, e.seq])).toEqual([
      ['a1', 1],
      ['a2', 2],
    ]);
  });

  it('appends to several chains in one call', async () => {
    const runs = [uniqueId('run'), uniqueId('run'), uniqueId('run')];
    const events = runs.flatMap((r) => [event(r, 'x'), event(r, 'y')]).reverse();
    expect(await appendAuditEvents(db, events)).toEqual({ inserted: 6, skipped: 0 });
    for (const r of runs) {
      expect((await listRunEvents(db, r)).map((e) => e.seq)).toEqual([1, 2]);
      expect((await verifyAuditChain(db, { chainId: r })).ok).toBe(true);
    }
  });

  it('runs the projection in the same transaction, and only for new events', async () => {
    const runId = uniqueId('run');
    const project = jest.fn(async (trx: Transaction<Database>) => {
      await recordStepResult(trx, { runId, stepId: 'a', execution: 1, status: 'completed', attempts: 1 });
    });
    await appendAuditEvents(db, [event(runId, 'a')], project);
    await appendAuditEvents(db, [event(runId, 'a')], project);
    expect(project).toHaveBeenCalledTimes(1);
    expect(await getStepResult(db, runId, 'a', 1)).toMatchObject({ status: 'completed', attempts: 1 });

    // A failing projection rolls the events back with it.
    const failing = async () => {
      throw new Error('projection failed');
    };
    await expect(appendAuditEvents(db, [event(runId, 'b')], failing)).rejects.toThrow('projection failed');
    expect((await listRunEvents(db, runId)).map((e) => e.key)).toEqual([`${runId}/a`]);
    expect(await appendAuditEvents(db, [event(runId, 'b')])).toEqual({ inserted: 1, skipped: 0 });
    expect((await listRunEvents(db, runId)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it('refuses invalid events before touching the database', async () => {
    const runId = uniqueId('run');
    await expect(appendAuditEvents(db, [event(runId, 'a', { key: '' })])).rejects.toThrow('without a key');
    await expect(appendAuditEvents(db, [event(runId, 'a', { runId: null })])).rejects.toThrow('no chainId');
    await expect(appendAuditEvents(db, [event(runId, 'a', { data: { n: Infinity } })])).rejects.toThrow(/JSON number/);
    expect(await listRunEvents(db, runId)).toEqual([]);
  });

  it('accepts events without a run on an explicit chain', async () => {
    const chainId = uniqueId('chain');
    const key = `${chainId}/login-refused`;
    await appendAuditEvents(db, [{ key, chainId, runId: null, type: 'access.refused', actor: 'mallory', data: {} }]);
    expect(await verifyAuditChain(db, { chainId })).toEqual({ ok: true, chains: 1, events: 1 });
  });
});
