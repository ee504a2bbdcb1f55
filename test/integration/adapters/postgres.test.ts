import { Client } from 'pg';
import { postgresAdapter } from '../../../activities/adapters/postgres';
import { FAILURES } from '../../../src/plan/failures';
import { failureOf, issuesOf, makeContext, run } from './adapter-context';
import { findPostgresBin, startStandbyPair, type StandbyPair } from './standby-pair';

/** The PostgreSQL server of these machines: a primary. */
const URL = process.env.TEST_ADAPTER_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Backends still running a statement tagged with `marker` (other than the one asking). */
async function runningWith(marker: string): Promise<number> {
  const client = new Client({ connectionString: URL });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE state = 'active' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`,
      [marker],
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

async function eventually(probe: () => Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return probe();
}

describe('postgres adapter', () => {
  describe('query', () => {
    it('runs a parameterised statement and returns JSON-safe rows', async () => {
      const output = await run(postgresAdapter, {
        operation: 'query',
        url: URL,
        sql: `SELECT $1::text AS name, $2::int AS n, 12345678901234::int8 AS big, '2024-01-02T03:04:05Z'::timestamptz AS at,
                     '\\xdead'::bytea AS bytes, 'NaN'::float8 AS nan, '{"a":[1]}'::jsonb AS doc`,
        params: ['dr-site', 7],
      });
      expect(output).toEqual({
        command: 'SELECT',
        rowCount: 1,
        rows: [
          { name: 'dr-site', n: 7, big: '12345678901234', at: '2024-01-02T03:04:05.000Z', bytes: '\\xdead', nan: 'NaN', doc: { a: [1] } },
        ],
        durationMs: expect.any(Number),
      });
    });

    it('keeps parameter values out of the SQL text', async () => {
      const hostile = "x'); DROP TABLE IF EXISTS pg_temp.t; SELECT ('";
      const output = (await run(postgresAdapter, { operation: 'query', url: URL, sql: 'SELECT $1::text AS v', params: [hostile] })) as {
        rows: { v: string }[];
      };
      expect(output.rows).toEqual([{ v: hostile }]);
    });

    it('writes, counting affected rows', async () => {
      const table = `drillbook_adapter_write_${process.pid}`;
      await run(postgresAdapter, { operation: 'query', url: URL, sql: `CREATE TABLE IF NOT EXISTS ${table} (n int)` });
      try {
        const output = await run(postgresAdapter, {
          operation: 'query',
          url: URL,
          sql: `INSERT INTO ${table} SELECT generate_series(1, $1)`,
          params: [3],
          expect: { rowCount: 3 },
        });
        expect(output).toMatchObject({ command: 'INSERT', rowCount: 3, rows: [] });
      } finally {
        await run(postgresAdapter, { operation: 'query', url: URL, sql: `DROP TABLE ${table}` });
      }
    });

    it('fails ExpectationNotMet, non-retryable, on a row count out of bounds', async () => {
      const failure = await failureOf(
        run(postgresAdapter, { operation: 'query', url: URL, sql: 'SELECT 1 WHERE false', expect: { minRowCount: 1 } }),
      );
      expect(failure.type).toBe(FAILURES.ExpectationNotMet);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('returned 0 rows, expected at least 1');
    });

    it('caps the rows returned but reports the true count', async () => {
      const output = await run(postgresAdapter, { operation: 'query', url: URL, sql: 'SELECT generate_series(1, 50) AS n', maxRows: 3 });
      expect(output).toMatchObject({ rowCount: 50, rows: [{ n: 1 }, { n: 2 }, { n: 3 }], rowsTruncated: true });
    });

    it('maps SQL errors: syntax non-retryable with its SQLSTATE', async () => {
      const failure = await failureOf(run(postgresAdapter, { operation: 'query', url: URL, sql: 'SELEC 1' }));
      expect(failure.type).toBe(FAILURES.PostgresQueryFailed);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.details?.[0]).toEqual({ sqlstate: '42601' });
    });

    it('times out (statement_timeout), retryable, leaving nothing running', async () => {
      const marker = `drillbook_timeout_${Date.now()}`;
      const failure = await failureOf(
        run(postgresAdapter, { operation: 'query', url: URL, sql: `SELECT pg_sleep(10) /* ${marker} */`, timeoutMs: 300 }),
      );
      expect(failure.type).toBe(FAILURES.AdapterTimedOut);
      expect(failure.nonRetryable).toBe(false);
      expect(await runningWith(marker)).toBe(0);
    });

    it('cancels the statement on the server when the signal aborts, rethrowing its reason', async () => {
      const marker = `drillbook_abort_${Date.now()}`;
      const ctx = makeContext();
      const reason = new Error('activity cancelled');
      const pending = run(postgresAdapter, { operation: 'query', url: URL, sql: `SELECT pg_sleep(30) /* ${marker} */` }, ctx);
      expect(await eventually(async () => (await runningWith(marker)) === 1, 5_000)).toBe(true);
      const startedAt = Date.now();
      ctx.controller.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(Date.now() - startedAt).toBeLessThan(1_000);
      expect(await eventually(async () => (await runningWith(marker)) === 0, 3_000)).toBe(true);
      expect(ctx.heartbeats.length).toBeGreaterThanOrEqual(1);
    });
  });

  describe('targets', () => {
    it('uses a named connection of the worker and a secret reference', async () => {
      const byName = makeContext({ connections: { primary: URL } });
      await expect(run(postgresAdapter, { operation: 'isInRecovery', connection: 'primary' }, byName)).resolves.toMatchObject({
        inRecovery: false,
      });
      process.env.DRILLBOOK_SECRET_TEST_PG_URL = URL;
      await expect(run(postgresAdapter, { operation: 'isInRecovery', url: 'env:DRILLBOOK_SECRET_TEST_PG_URL' })).resolves.toMatchObject({
        role: 'primary',
      });
    });

    it('fails ConnectionUnknown, non-retryable, for a connection this worker does not define', async () => {
      const ctx = makeContext({ connections: { primary: URL } });
      const failure = await failureOf(run(postgresAdapter, { operation: 'isInRecovery', connection: 'standby' }, ctx));
      expect(failure.type).toBe(FAILURES.ConnectionUnknown);
      expect(failure.nonRetryable).toBe(true);
      expect(failure.message).toContain('known: primary');
    });

    it('reports an unreachable server as retryable and an unknown database as not', async () => {
      const refused = await failureOf(run(postgresAdapter, { operation: 'isInRecovery', url: 'postgres://postgres@127.0.0.1:1/test' }));
      expect(refused.type).toBe(FAILURES.PostgresConnectionFailed);
      expect(refused.nonRetryable).toBe(false);
      const unknownDb = await failureOf(
        run(postgresAdapter, { operation: 'isInRecovery', url: 'postgres://postgres@127.0.0.1:5432/drillbook_no_such_db' }),
      );
      expect(unknownDb.type).toBe(FAILURES.PostgresConnectionFailed);
      expect(unknownDb.nonRetryable).toBe(true);
    });
  });

  describe('replication', () => {
    it('isInRecovery says primary', async () => {
      await expect(run(postgresAdapter, { operation: 'isInRecovery', url: URL })).resolves.toEqual({
        inRecovery: false,
        role: 'primary',
        durationMs: expect.any(Number),
      });
    });

    it('replicationLag on a primary lists its standbys (none here)', async () => {
      const output = await run(postgresAdapter, { operation: 'replicationLag', url: URL });
      expect(output).toEqual({
        inRecovery: false,
        role: 'primary',
        currentLsn: expect.stringMatching(/^[0-9A-F]+\/[0-9A-F]+$/),
        standbys: [],
        maxReplayLagBytes: null,
        durationMs: expect.any(Number),
      });
    });

    it('promote on a primary succeeds without doing anything (idempotent failover step)', async () => {
      await expect(run(postgresAdapter, { operation: 'promote', url: URL })).resolves.toEqual({
        promoted: false,
        alreadyPrimary: true,
        durationMs: expect.any(Number),
      });
    });
  });

  const postgresBin = findPostgresBin();
  (postgresBin ? describe : describe.skip)('on a real streaming standby', () => {
    let pair: StandbyPair;
    beforeAll(async () => {
      // Ports away from the lab's (25432…) and the shared server's.
      pair = await startStandbyPair(postgresBin!, 25901 + (process.pid % 50) * 2, 25902 + (process.pid % 50) * 2);
    }, 60_000);
    afterAll(() => pair?.stop());

    it('replicationLag reads the standby and, on the primary, lists it', async () => {
      // pg_ctl returns once the standby accepts connections; its walreceiver, and its first replay
      // feedback (replay_lsn), may need a moment more.
      const streaming = { operation: 'query', url: pair.primaryUrl, sql: "SELECT 1 FROM pg_stat_replication WHERE state = 'streaming' AND replay_lsn IS NOT NULL" };
      expect(await eventually(async () => ((await run(postgresAdapter, streaming)) as { rowCount: number }).rowCount === 1, 30_000)).toBe(true);
      await expect(run(postgresAdapter, { operation: 'replicationLag', url: pair.standbyUrl })).resolves.toMatchObject({
        inRecovery: true,
        role: 'standby',
        receiveLsn: expect.any(String),
        replayLsn: expect.any(String),
        replayLagBytes: expect.any(Number),
        receiverStatus: 'streaming',
        replayPaused: false,
      });
      const primary = (await run(postgresAdapter, { operation: 'replicationLag', url: pair.primaryUrl })) as {
        standbys: { state: string; replayLagBytes: number }[];
        maxReplayLagBytes: number;
      };
      expect(primary.standbys).toEqual([expect.objectContaining({ state: 'streaming', replayLagBytes: expect.any(Number) })]);
      expect(primary.maxReplayLagBytes).toEqual(expect.any(Number));
    });

    it('promotes the standby, measures the first write, and is a no-op the second time', async () => {
      const first = await run(postgresAdapter, { operation: 'promote', url: pair.standbyUrl });
      process.stdout.write(`promote on a real standby: ${JSON.stringify(first)}\n`);
      expect(first).toEqual({
        promoted: true,
        alreadyPrimary: false,
        promoteMs: expect.any(Number),
        firstWriteMs: expect.any(Number),
        durationMs: expect.any(Number),
      });
      await expect(run(postgresAdapter, { operation: 'isInRecovery', url: pair.standbyUrl })).resolves.toMatchObject({ inRecovery: false });
      await expect(run(postgresAdapter, { operation: 'promote', url: pair.standbyUrl })).resolves.toMatchObject({
        promoted: false,
        alreadyPrimary: true,
      });
    });
  });

  describe('schema', () => {
    it('lists the valid operations when none matches', () => {
      const [issue] = issuesOf(postgresAdapter, { operation: 'failover', url: URL });
      expect(issue).toContain('query');
      expect(issue).toContain('promote');
    });

    it('refuses unknown keys, both or neither target, passwords in URLs, templates in SQL', () => {
      expect(issuesOf(postgresAdapter, { operation: 'promote', url: URL, waitSeconds: 5 })).toEqual([
        expect.stringContaining('Unrecognized key'),
      ]);
      expect(issuesOf(postgresAdapter, { operation: 'isInRecovery' })).toEqual([expect.stringContaining('exactly one')]);
      expect(issuesOf(postgresAdapter, { operation: 'isInRecovery', url: URL, connection: 'primary' })).toHaveLength(1);
      expect(issuesOf(postgresAdapter, { operation: 'isInRecovery', url: 'postgres://app:hunter2@db/x' })).toEqual([
        expect.stringContaining('secret reference'),
      ]);
      expect(issuesOf(postgresAdapter, { operation: 'isInRecovery', url: 'mysql://db/x' })).toHaveLength(1);
      expect(
        issuesOf(postgresAdapter, { operation: 'query', url: URL, sql: "SELECT * FROM t WHERE id = '${{ params.id }}'" }),
      ).toEqual([expect.stringContaining('params')]);
      const templated = postgresAdapter.input.safeParse({ operation: 'query', url: URL, sql: 'SELECT ${{ params.x }}' });
      expect(templated.error?.issues[0]).toMatchObject({ code: 'custom', params: { templatesForbidden: true } });
    });
  });
});
