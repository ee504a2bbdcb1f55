import { noopAdapter } from '../../../activities/adapters/noop';
import { issuesOf, makeContext, run } from './adapter-context';

describe('noop adapter', () => {
  it('returns { ok: true } by default and echoes output (null included)', async () => {
    await expect(run(noopAdapter, {})).resolves.toEqual({ ok: true });
    await expect(run(noopAdapter, { output: { lsn: '0/3000060', rows: [1, 2] } })).resolves.toEqual({
      lsn: '0/3000060',
      rows: [1, 2],
    });
    await expect(run(noopAdapter, { output: null })).resolves.toBeNull();
  });

  it('sleeps, heartbeating', async () => {
    const ctx = makeContext();
    const startedAt = Date.now();
    await run(noopAdapter, { sleepMs: 1_200 }, ctx);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1_150);
    expect(ctx.heartbeats.length).toBeGreaterThanOrEqual(2);
  });

  it('stops sleeping when the signal aborts, with its reason', async () => {
    const ctx = makeContext();
    const reason = new Error('activity cancelled');
    setTimeout(() => ctx.controller.abort(reason), 100);
    const startedAt = Date.now();
    await expect(run(noopAdapter, { sleepMs: 60_000 }, ctx)).rejects.toBe(reason);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('refuses unknown keys and bad sleeps', () => {
    expect(issuesOf(noopAdapter, { sleepms: 5 })).toHaveLength(1);
    expect(issuesOf(noopAdapter, { sleepMs: -1 })).toHaveLength(1);
    expect(issuesOf(noopAdapter, { sleepMs: 1.5 })).toHaveLength(1);
  });
});
