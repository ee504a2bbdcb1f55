/**
 * The service locks on the real PostgreSQL: many concurrent takers of overlapping service sets never
 * hold one service twice; all of a run's services or none; release is idempotent; a lock whose run
 * ended is taken over, one whose run is active stands.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { acquireServiceLocks, currentLocks, releaseServiceLocks, type LockHolder } from '../../../src/real-runs/service-locks';
import { testDb, uniqueId } from '../../support/db';

let db: Kysely<Database>;
const tag = uniqueId('sl').slice(3, 11);
const svc = (n: string) => `sl-${tag}-${n}`;
const active = async () => false;

beforeAll(async () => {
  db = await testDb();
});

afterAll(async () => {
  await db?.destroy();
});

test('concurrent takers of overlapping service sets: each service held by one run at most, a run holds all of its services or none', async () => {
  const sets = [['a', 'b'], ['b', 'c'], ['a'], ['c', 'd'], ['d', 'a'], ['b'], ['e'], ['a', 'e'], ['c'], ['d', 'e', 'b']].map((s) => s.map(svc));
  const outcomes = await Promise.all(
    sets.map((services, i) => acquireServiceLocks(db, { runId: `run-${tag}-${i}`, mode: 'failover', services, actor: 'alice' }, active)),
  );
  const locks = await currentLocks(db, ['a', 'b', 'c', 'd', 'e'].map(svc));
  const winners = outcomes.flatMap((o, i) => (o.acquired ? [i] : []));
  expect(winners.length).toBeGreaterThan(0);
  for (const i of winners) {
    // All of its services are its own.
    expect(locks.filter((l) => l.runId === `run-${tag}-${i}`).map((l) => l.service).sort()).toEqual([...sets[i]].sort());
  }
  // No lock belongs to a refused run; refusals name an overlapping winner.
  expect(new Set(locks.map((l) => l.runId))).toEqual(new Set(winners.map((i) => `run-${tag}-${i}`)));
  outcomes.forEach((o, i) => {
    if (o.acquired) return;
    expect(sets[i]).toContain(o.holder.service);
  });
  for (const i of winners) await releaseServiceLocks(db, `run-${tag}-${i}`);
  expect(await currentLocks(db, ['a', 'b', 'c', 'd', 'e'].map(svc))).toEqual([]);
});

test('release is idempotent; a lock whose run ended is taken over, one whose run is active stands', async () => {
  const first = await acquireServiceLocks(db, { runId: `first-${tag}`, mode: 'failover', services: [svc('x'), svc('y')], actor: 'alice' }, active);
  expect(first).toEqual({ acquired: true });

  const asked: LockHolder[] = [];
  const refused = await acquireServiceLocks(db, { runId: `second-${tag}`, mode: 'failback', services: [svc('y')], actor: 'bob' }, async (h) => {
    asked.push(h);
    return false;
  });
  expect(refused).toMatchObject({ acquired: false, holder: { service: svc('y'), runId: `first-${tag}`, mode: 'failover', acquiredBy: 'alice' } });
  expect(asked.map((h) => h.runId)).toEqual([`first-${tag}`]);

  const takeover = await acquireServiceLocks(db, { runId: `second-${tag}`, mode: 'failback', services: [svc('y'), svc('z')], actor: 'bob' }, async () => true);
  expect(takeover).toEqual({ acquired: true });
  expect((await currentLocks(db, [svc('x'), svc('y'), svc('z')])).map((l) => [l.service, l.runId])).toEqual([
    [svc('x'), `first-${tag}`],
    [svc('y'), `second-${tag}`],
    [svc('z'), `second-${tag}`],
  ]);

  // The first run's end releases what it still holds, and only that; again changes nothing.
  await releaseServiceLocks(db, `first-${tag}`);
  await releaseServiceLocks(db, `first-${tag}`);
  expect((await currentLocks(db, [svc('x'), svc('y'), svc('z')])).map((l) => l.runId)).toEqual([`second-${tag}`, `second-${tag}`]);
  await releaseServiceLocks(db, `second-${tag}`);
  expect(await currentLocks(db, [svc('x'), svc('y'), svc('z')])).toEqual([]);
});
