/**
 * `postgres`: PostgreSQL replication control and probes, one operation per call:
 * - `query`: one parameterised statement (`$1`, `$2`… with `params`), with optional row-count checks;
 * - `promote`: promotes a standby (`pg_promote`, then polls for the end of recovery) and measures when
 *   it first accepts a write; on a server already primary it succeeds with `alreadyPrimary: true`, so a
 *   retried or repeated failover step is harmless;
 * - `replicationLag`: on a standby, WAL received but not replayed and the age of the last replay; on a
 *   primary, the lag of each standby from `pg_stat_replication`;
 * - `isInRecovery`: whether the server is a standby.
 * The server is named by `connection` (this worker's site configuration) or `url` (a URL without
 * password, or a secret reference). Each call opens one session and always closes it; a cancel or
 * timeout cancels the running statement on the server and drops the session.
 *
 * Failures: connection problems and statement errors of a transient SQLSTATE class (connection,
 * rollback/serialization, resources, operator intervention, a read-only server that may be promoted
 * meanwhile) are retryable; authentication, unknown database, syntax, permission and constraint
 * errors are not (the same statement gets the same answer). `ExpectationNotMet` (row counts) and
 * `ConnectionUnknown` are not retryable; `PromoteFailed` is (promotion may finish meanwhile, and the
 * retry then finds a primary).
 */
import { ApplicationFailure } from '@temporalio/common';
import { Client, type QueryResult } from 'pg';
import { z } from 'zod';
import { FAILURES } from '../../src/plan/failures';
import type { Json } from '../../src/plan/types';
import { isSecretRef } from '../../src/config/secret-ref';
import type { Adapter, AdapterContext } from './types';
import { abortReason, startHeartbeats } from './support/cancellation';
import { toJson } from './support/json';
import { jsonSchema, timeoutMsSchema } from './support/schemas';

/** Rows kept in the output: a check reads a few rows, and outputs land in the workflow history. */
const MAX_ROWS_DEFAULT = 1_000;

/**
 * Added to a statement's timeout for the client-side deadline: the server's `statement_timeout`
 * normally fires first, with a clearer error; the deadline catches a server that stopped answering.
 */
const DEADLINE_MARGIN_MS = 2_000;

/** For the side connection that cancels a running statement: a best effort that must not hang the step. */
const CANCEL_CONNECT_TIMEOUT_MS = 2_000;

/**
 * SQLSTATE classes worth a retry: 08 connection exception, 40 transaction rollback (serialization,
 * deadlock), 53 insufficient resources, 57 operator intervention (shutdown, starting up), 58 system error.
 */
const RETRYABLE_SQLSTATE_CLASSES = ['08', '40', '53', '57', '58'];
/** 25006 read-only transaction (a standby, possibly promoted meanwhile), 55P03 lock not available. */
const RETRYABLE_SQLSTATES = ['25006', '55P03'];
/** At connect: bad password or role, unknown database. */
const DEFINITIVE_CONNECT_SQLSTATES = ['28000', '28P01', '3D000'];
const QUERY_CANCELED = '57014';
const OBJECT_NOT_IN_PREREQUISITE_STATE = '55000';

const postgresUrlSchema = z.string().superRefine((value, ctx) => {
  if (isSecretRef(value)) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'must be a postgres:// URL or a secret reference (env:NAME, file:/path)' });
    return;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    ctx.addIssue({ code: 'custom', message: 'must be a postgres:// URL or a secret reference (env:NAME, file:/path)' });
  } else if (url.password || url.searchParams.has('password')) {
    // The input is kept in the plan, the history and the audit trail.
    ctx.addIssue({ code: 'custom', message: 'a URL with a password belongs in a secret reference (env:NAME, file:/path)' });
  }
});

const targetShape = {
  /** A connection name from this worker's site configuration. */
  connection: z.string().min(1).optional().describe('a connection name from this worker\'s `DRILLBOOK_CONNECTIONS` (exactly one of `connection`, `url`)'),
  url: postgresUrlSchema.optional().describe('a postgres:// URL without a password, or a secret reference holding one (exactly one of `connection`, `url`)'),
  /** 5 s: a server that has not accepted a TCP connection and a login by then is down for this attempt. */
  connectTimeoutMs: timeoutMsSchema(5_000, 60_000).describe('connecting and logging in must take no longer (retryable)'),
};

const queryOperation = z.strictObject({
  operation: z.literal('query').describe('run one SQL statement with bound parameters'),
  ...targetShape,
  /** One statement; values go in `params`, never into the text (templates are refused here). */
  sql: z
    .string()
    .min(1)
    .superRefine((sql, ctx) => {
      if (!sql.includes('${{')) return;
      // `templatesForbidden` tells the validator to report this one even though the value is templated.
      ctx.addIssue({
        code: 'custom',
        message: 'no templates in sql: write $1, $2… and pass the values in params',
        params: { templatesForbidden: true },
      });
    })
    .describe('one statement; values as $1, $2… in `params`, never templates in the text'),
  params: z.array(jsonSchema).default([]).describe('the values of $1, $2…'),
  /** 30 s: a probe or a small write; a longer statement belongs in a tool run by `exec`. */
  timeoutMs: timeoutMsSchema(30_000, 60 * 60_000).describe('the statement is cancelled after this long'),
  maxRows: z.number().int().positive().max(10_000).default(MAX_ROWS_DEFAULT).describe('rows kept in the output (the count is exact)'),
  expect: z
    .strictObject({
      rowCount: z.number().int().min(0).optional().describe('exactly this many rows returned or affected'),
      minRowCount: z.number().int().min(0).optional().describe('at least this many'),
      maxRowCount: z.number().int().min(0).optional().describe('at most this many'),
    })
    .optional()
    .describe('row counts the statement must meet; an unmet one fails the step at once (not retried)'),
});

const promoteOperation = z.strictObject({
  operation: z.literal('promote').describe('promote a standby to primary (`pg_promote`, waiting for it)'),
  ...targetShape,
  /** 60 s, pg_promote's own default wait: replaying the remaining WAL can take a while on a lagging standby. */
  timeoutMs: timeoutMsSchema(60_000, 10 * 60_000).describe('how long to wait for the promotion to finish'),
});

const replicationLagOperation = z.strictObject({
  operation: z.literal('replicationLag').describe('on a standby: WAL received but not replayed, and the age of the last replay; on a primary: each standby\'s lag'),
  ...targetShape,
  /** 10 s: catalog reads that answer in milliseconds on a healthy server. */
  timeoutMs: timeoutMsSchema(10_000, 60_000).describe('the call is cancelled after this long'),
});

const isInRecoveryOperation = z.strictObject({
  operation: z.literal('isInRecovery').describe('whether the server is a standby (`pg_is_in_recovery()`)'),
  ...targetShape,
  /** 10 s: one function call that answers in milliseconds on a healthy server. */
  timeoutMs: timeoutMsSchema(10_000, 60_000).describe('the call is cancelled after this long'),
});

export const postgresInput = z
  .discriminatedUnion('operation', [queryOperation, promoteOperation, replicationLagOperation, isInRecoveryOperation])
  .superRefine((input, ctx) => {
    if ((input.connection === undefined) === (input.url === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['connection'], message: 'name exactly one of connection or url' });
    }
  });

export type PostgresInput = z.output<typeof postgresInput>;

export const postgresAdapter: Adapter<typeof postgresInput> = {
  name: 'postgres',
  description: 'PostgreSQL: parameterised query, promote a standby, replication lag, recovery state.',
  input: postgresInput,
  async execute(input, ctx) {
    const target = await resolveTarget(input, ctx);
    return withSession(target, input.connectTimeoutMs, input.timeoutMs, ctx, async (client) => {
      switch (input.operation) {
        case 'query':
          return runQuery(client, input, target.label);
        case 'promote':
          return promote(client, input.timeoutMs, target.label);
        case 'replicationLag':
          return replicationLag(client);
        case 'isInRecovery': {
          const inRecovery = await isInRecovery(client);
          return { inRecovery, role: inRecovery ? 'standby' : 'primary' };
        }
        default: {
          const unreachable: never = input;
          throw new Error(`unknown operation ${JSON.stringify(unreachable)}`);
        }
      }
    });
  },
};

interface Target {
  connectionString: string;
  /** How messages name the server: never the connection string, which may hold a password. */
  label: string;
}

/** @throws `ConnectionUnknown` (non-retryable: the site's configuration does not change between attempts). */
async function resolveTarget(input: PostgresInput, ctx: AdapterContext): Promise<Target> {
  if (input.connection !== undefined) {
    const configured = Object.prototype.hasOwnProperty.call(ctx.connections, input.connection)
      ? ctx.connections[input.connection]
      : undefined;
    if (configured === undefined) {
      const known = Object.keys(ctx.connections);
      throw ApplicationFailure.create({
        type: FAILURES.ConnectionUnknown,
        message: `no PostgreSQL connection "${input.connection}" on this worker (known: ${known.join(', ') || 'none'})`,
        nonRetryable: true,
      });
    }
    const connectionString = isSecretRef(configured) ? await ctx.resolveSecret(configured) : configured;
    return { connectionString, label: `connection "${input.connection}"` };
  }
  const url = input.url as string;
  if (isSecretRef(url)) return { connectionString: await ctx.resolveSecret(url), label: url };
  const { host, pathname } = new URL(url);
  return { connectionString: url, label: `${host}${pathname}` };
}

/**
 * Opens one session, runs `work`, and always closes the session. Heartbeats meanwhile. On cancel or
 * past the deadline, cancels the running statement on the server and drops the connection.
 * @throws the abort reason on cancel; `AdapterTimedOut` past the deadline or `statement_timeout`;
 *   `PostgresConnectionFailed` / `PostgresQueryFailed` (retryability per SQLSTATE, see the header).
 */
async function withSession(
  target: Target,
  connectTimeoutMs: number,
  statementTimeoutMs: number,
  ctx: AdapterContext,
  work: (client: Client) => Promise<Json>,
): Promise<Json> {
  if (ctx.signal.aborted) throw abortReason(ctx.signal);
  const client = new Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    application_name: 'drillbook',
  });
  // Without a listener, a connection lost between statements would crash the worker process.
  client.on('error', () => undefined);

  let interruptedBy: 'cancel' | 'timeout' | undefined;
  const interrupt = (reason: 'cancel' | 'timeout') => {
    if (interruptedBy) return;
    interruptedBy = reason;
    const pid = backendPid(client);
    if (pid !== undefined) void cancelBackend(target.connectionString, pid);
    // With a statement in flight, pg drops the socket instead of waiting for the answer.
    void client.end().catch(() => undefined);
  };
  const onAbort = () => interrupt('cancel');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const deadline = setTimeout(() => interrupt('timeout'), connectTimeoutMs + statementTimeoutMs + DEADLINE_MARGIN_MS);
  const startedAt = performance.now();
  const stopHeartbeats = startHeartbeats(ctx, () => ({ elapsedMs: Math.round(performance.now() - startedAt) }));

  let phase: 'connect' | 'query' = 'connect';
  try {
    await client.connect();
    phase = 'query';
    const output = await work(client);
    if (output !== null && typeof output === 'object' && !Array.isArray(output)) {
      output.durationMs = Math.round(performance.now() - startedAt);
    }
    return output;
  } catch (err) {
    if (interruptedBy === 'cancel') throw abortReason(ctx.signal);
    if (interruptedBy === 'timeout' || sqlState(err) === QUERY_CANCELED) {
      throw ApplicationFailure.create({
        type: FAILURES.AdapterTimedOut,
        message: `${target.label}: no answer within ${statementTimeoutMs} ms`,
      });
    }
    throw toFailure(err, phase, target.label);
  } finally {
    clearTimeout(deadline);
    stopHeartbeats();
    ctx.signal.removeEventListener('abort', onAbort);
    if (!interruptedBy) await client.end().catch(() => undefined);
  }
}

async function runQuery(
  client: Client,
  input: Extract<PostgresInput, { operation: 'query' }>,
  label: string,
): Promise<Json> {
  const result: QueryResult = await client.query({ text: input.sql, values: input.params });
  const rowCount = result.rowCount ?? result.rows.length;
  const { expect } = input;
  const problems: string[] = [];
  if (expect?.rowCount !== undefined && rowCount !== expect.rowCount) problems.push(`exactly ${expect.rowCount}`);
  if (expect?.minRowCount !== undefined && rowCount < expect.minRowCount) problems.push(`at least ${expect.minRowCount}`);
  if (expect?.maxRowCount !== undefined && rowCount > expect.maxRowCount) problems.push(`at most ${expect.maxRowCount}`);
  if (problems.length > 0) {
    // Non-retryable: the server answered; waiting for a row to appear is a check's `until`.
    throw ApplicationFailure.create({
      type: FAILURES.ExpectationNotMet,
      message: `${label}: ${result.command} returned ${rowCount} rows, expected ${problems.join(' and ')}`,
      nonRetryable: true,
      details: [{ rowCount, expect }],
    });
  }
  const output: { [key: string]: Json } = {
    command: result.command,
    rowCount,
    rows: result.rows.slice(0, input.maxRows).map(toJson),
  };
  if (result.rows.length > input.maxRows) output.rowsTruncated = true;
  return output;
}

/**
 * How often promote polls for the end of recovery. pg_promote's own wait polls every 100 ms, which
 * would dominate a failover that takes tens of milliseconds (the RTO the lab benchmark measures).
 */
const PROMOTE_POLL_MS = 5;

/**
 * Promotes (pg_promote without its wait), polls until recovery has ended, then measures the first
 * accepted write: `txid_current()` assigns a transaction id, which a server in recovery refuses, and
 * its commit writes and flushes WAL.
 * @throws `PromoteFailed` (retryable, see the header) when recovery has not ended within `timeoutMs`.
 */
async function promote(client: Client, timeoutMs: number, label: string): Promise<Json> {
  if (!(await isInRecovery(client))) return { promoted: false, alreadyPrimary: true };
  const startedAt = performance.now();
  try {
    await client.query('SELECT pg_promote(false)');
  } catch (err) {
    // "recovery is not in progress": another actor promoted it between our two statements.
    if (sqlState(err) === OBJECT_NOT_IN_PREREQUISITE_STATE && !(await isInRecovery(client))) {
      return { promoted: false, alreadyPrimary: true };
    }
    throw err;
  }
  while (await isInRecovery(client)) {
    if (performance.now() - startedAt > timeoutMs) {
      throw ApplicationFailure.create({
        type: FAILURES.PromoteFailed,
        message: `${label}: still in recovery ${timeoutMs} ms after pg_promote`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, PROMOTE_POLL_MS));
  }
  const promoteMs = performance.now() - startedAt;
  await client.query('SELECT txid_current()');
  const firstWriteMs = performance.now() - startedAt;
  return { promoted: true, alreadyPrimary: false, promoteMs: round(promoteMs), firstWriteMs: round(firstWriteMs) };
}

async function replicationLag(client: Client): Promise<Json> {
  if (await isInRecovery(client)) {
    const { rows } = await client.query(`
      SELECT pg_last_wal_receive_lsn()::text AS receive_lsn,
             pg_last_wal_replay_lsn()::text AS replay_lsn,
             pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())::float8 AS replay_lag_bytes,
             extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 AS seconds_since_last_replay,
             pg_is_wal_replay_paused() AS replay_paused,
             (SELECT status FROM pg_stat_wal_receiver) AS receiver_status`);
    const row = rows[0];
    return {
      inRecovery: true,
      role: 'standby',
      receiveLsn: row.receive_lsn,
      replayLsn: row.replay_lsn,
      replayLagBytes: row.replay_lag_bytes,
      // Grows on an idle primary too: read it together with replayLagBytes.
      secondsSinceLastReplay: row.seconds_since_last_replay,
      replayPaused: row.replay_paused,
      receiverStatus: row.receiver_status,
    };
  }
  const { rows } = await client.query(`
    SELECT pg_current_wal_lsn()::text AS current_lsn, application_name, client_addr::text AS client_addr, state,
           sync_state,
           pg_wal_lsn_diff(pg_current_wal_lsn(), sent_lsn)::float8 AS sent_lag_bytes,
           pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::float8 AS flush_lag_bytes,
           pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_lag_bytes,
           extract(epoch FROM replay_lag)::float8 AS replay_lag_seconds
    FROM (SELECT 1) AS one LEFT JOIN pg_stat_replication ON true
    ORDER BY application_name`);
  const standbys = rows
    .filter((row) => row.state !== null)
    .map((row) => ({
      name: row.application_name,
      clientAddr: row.client_addr,
      state: row.state,
      syncState: row.sync_state,
      sentLagBytes: row.sent_lag_bytes,
      flushLagBytes: row.flush_lag_bytes,
      replayLagBytes: row.replay_lag_bytes,
      replayLagSeconds: row.replay_lag_seconds,
    }));
  const lags = standbys.map((s) => s.replayLagBytes).filter((lag): lag is number => typeof lag === 'number');
  return {
    inRecovery: false,
    role: 'primary',
    currentLsn: rows[0].current_lsn,
    standbys: toJson(standbys),
    maxReplayLagBytes: lags.length > 0 ? Math.max(...lags) : null,
  };
}

async function isInRecovery(client: Client): Promise<boolean> {
  const { rows } = await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
  return rows[0].in_recovery;
}

/** The server process id from the startup handshake; pg keeps it untyped on the client. */
function backendPid(client: Client): number | undefined {
  const pid = (client as unknown as { processID?: number | null }).processID;
  return typeof pid === 'number' ? pid : undefined;
}

/** Asks the server to cancel the statement of backend `pid`, on a side connection. Never throws. */
async function cancelBackend(connectionString: string, pid: number): Promise<void> {
  const side = new Client({ connectionString, connectionTimeoutMillis: CANCEL_CONNECT_TIMEOUT_MS });
  side.on('error', () => undefined);
  try {
    await side.connect();
    await side.query('SELECT pg_cancel_backend($1)', [pid]);
  } catch {
    // Best effort: the dropped socket ends the session anyway once the statement finishes.
  } finally {
    await side.end().catch(() => undefined);
  }
}

function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function toFailure(err: unknown, phase: 'connect' | 'query', label: string): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const state = sqlState(err);
  const message = err instanceof Error ? err.message : String(err);
  if (phase === 'connect') {
    return ApplicationFailure.create({
      type: FAILURES.PostgresConnectionFailed,
      message: `${label}: cannot connect: ${message}`,
      nonRetryable: state !== undefined && DEFINITIVE_CONNECT_SQLSTATES.includes(state),
      details: [{ sqlstate: state ?? null }],
    });
  }
  // No SQLSTATE: the connection broke mid-statement, which is transient like class 08.
  const retryable =
    state === undefined || RETRYABLE_SQLSTATES.includes(state) || RETRYABLE_SQLSTATE_CLASSES.includes(state.slice(0, 2));
  return ApplicationFailure.create({
    type: FAILURES.PostgresQueryFailed,
    message: `${label}: ${message}${state ? ` (SQLSTATE ${state})` : ''}`,
    nonRetryable: !retryable,
    details: [{ sqlstate: state ?? null }],
  });
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
