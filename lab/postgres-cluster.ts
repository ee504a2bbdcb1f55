/**
 * One PostgreSQL cluster of the lab: create (initdb, or a standby by base backup), start, stop,
 * promote, inspect. Timing-sensitive steps poll on their own every few milliseconds: `pg_ctl`'s
 * 100 ms polling would dominate a failover's RTO.
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import type { LabConfig, SiteId } from './config';
import { sitePort } from './config';
import { makeOwnedDir, runPostgresTool } from './postgres-command';
import { isProcessAlive, labPaths } from './state';

export interface ClusterSpec {
  /** Also its `cluster_name`, which a standby's walreceiver reports as application_name. */
  name: string;
  dataDir: string;
  port: number;
  logFile: string;
}

export function siteCluster(config: LabConfig, site: SiteId): ClusterSpec {
  const paths = labPaths(config);
  return { name: site, dataDir: paths.dataDir[site], port: sitePort(config, site), logFile: paths.postgresLog[site] };
}

export function scratchCluster(config: LabConfig): ClusterSpec {
  const paths = labPaths(config);
  return { name: 'scratch', dataDir: paths.scratchDataDir, port: config.ports.scratch, logFile: paths.scratchLog };
}

export type ShutdownMode = 'smart' | 'fast' | 'immediate';
const SHUTDOWN_SIGNAL: Record<ShutdownMode, NodeJS.Signals> = { smart: 'SIGTERM', fast: 'SIGINT', immediate: 'SIGQUIT' };

/** Connects straight to a cluster (not through the switch). The caller ends the client. */
export async function connectCluster(
  config: LabConfig,
  port: number,
  options: { connectTimeoutMs?: number; queryTimeoutMs?: number } = {},
): Promise<Client> {
  const client = new Client({
    host: config.host,
    port,
    user: 'postgres',
    database: config.database,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
    query_timeout: options.queryTimeoutMs,
  });
  // A server that goes away emits 'error' on an idle client; unhandled, it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}

/** Runs `fn` on a fresh connection and always closes it. */
export async function withCluster<T>(
  config: LabConfig,
  port: number,
  fn: (client: Client) => Promise<T>,
  options: { connectTimeoutMs?: number; queryTimeoutMs?: number } = {},
): Promise<T> {
  const client = await connectCluster(config, port, options);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function hasData(spec: ClusterSpec): boolean {
  return existsSync(`${spec.dataDir}/PG_VERSION`);
}

/** A data folder with standby.signal starts as a standby. */
export function isConfiguredAsStandby(spec: ClusterSpec): boolean {
  return existsSync(`${spec.dataDir}/standby.signal`);
}

interface PostmasterPidFile {
  pid: number;
  /** Line 8 of postmaster.pid: starting, stopping, ready or standby. */
  status: string;
}

function readPostmasterPidFile(spec: ClusterSpec): PostmasterPidFile | undefined {
  try {
    const lines = readFileSync(`${spec.dataDir}/postmaster.pid`, 'utf8').split('\n');
    const pid = Number(lines[0]);
    return Number.isInteger(pid) && pid > 0 ? { pid, status: (lines[7] ?? '').trim() } : undefined;
  } catch {
    return undefined;
  }
}

/** The live postmaster's pid, or undefined (a stale pid file after kill -9 counts as stopped). */
export function postmasterPid(spec: ClusterSpec): number | undefined {
  const info = readPostmasterPidFile(spec);
  return info && isProcessAlive(info.pid) ? info.pid : undefined;
}

const POSTGRESQL_CONF = (config: LabConfig) => `
# drillbook DR lab. Port and cluster_name are passed on the command line (pg_ctl -o), because
# pg_rewind and pg_basebackup copy these files from one site to the other.
listen_addresses = '127.0.0.1'
unix_socket_directories = '${labPaths(config).socketDir}'
wal_level = replica
wal_keep_size = '${config.walKeepSize}'
# Fewer recycled segments kept in pg_wal: pg_rewind copies them all (default 80MB).
min_wal_size = 32MB
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
# pg_rewind needs hint bits WAL-logged; data checksums already do it, this keeps it true regardless.
wal_log_hints = on
# Replay progress reaches the primary's pg_stat_replication every second, not every ten.
wal_receiver_status_interval = 1s
shared_buffers = 32MB
max_connections = 100
log_line_prefix = '%m [%p] %q%a '
`;

/** initdb with checksums (pg_rewind-ready), trust auth on loopback and replication, our settings. */
export async function initPrimary(config: LabConfig, spec: ClusterSpec): Promise<void> {
  makeOwnedDir(config, labPaths(config).socketDir);
  makeOwnedDir(config, spec.dataDir.replace(/\/data$/, ''));
  rmSync(spec.dataDir, { recursive: true, force: true });
  await runPostgresTool(config, 'initdb', [
    '-D', spec.dataDir, '-U', 'postgres', '--auth=trust', '--data-checksums',
    '--encoding=UTF8', '--locale=C',
    // A lab cluster does not need to survive an OS crash; skipping the final fsync saves seconds.
    '--no-sync',
  ]);
  appendFileSync(`${spec.dataDir}/postgresql.conf`, POSTGRESQL_CONF(config));
}

/**
 * A standby of the cluster on `sourcePort` by base backup: `-R` writes standby.signal and
 * primary_conninfo, `-X stream` brings the WAL needed, `-c fast` does not wait for a checkpoint.
 */
export async function createStandby(config: LabConfig, spec: ClusterSpec, sourcePort: number): Promise<void> {
  makeOwnedDir(config, spec.dataDir.replace(/\/data$/, ''));
  rmSync(spec.dataDir, { recursive: true, force: true });
  await runPostgresTool(config, 'pg_basebackup', [
    '-D', spec.dataDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync',
    '-d', `host=${config.host} port=${sourcePort} user=postgres`,
  ]);
}

/** Like createStandby, but without -R: the copy comes up as an independent primary (a throwaway clone). */
export async function createClone(config: LabConfig, spec: ClusterSpec, sourcePort: number): Promise<void> {
  makeOwnedDir(config, spec.dataDir.replace(/\/data$/, ''));
  rmSync(spec.dataDir, { recursive: true, force: true });
  await runPostgresTool(config, 'pg_basebackup', [
    '-D', spec.dataDir, '-X', 'stream', '-c', 'fast', '--no-sync',
    '-d', `host=${config.host} port=${sourcePort} user=postgres`,
  ]);
}

/**
 * Starts the cluster if it is not running and waits until it accepts connections. After a
 * `kill -9` of the postmaster its orphaned children may still hold shared memory and the new
 * postmaster exits at once: it is relaunched until the deadline.
 */
export async function startCluster(
  config: LabConfig,
  spec: ClusterSpec,
  options: { timeoutMs?: number } = {},
): Promise<{ durationMs: number; alreadyRunning: boolean }> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? 30_000);
  if (!hasData(spec)) throw new Error(`${spec.name}: no cluster in ${spec.dataDir}`);
  if (postmasterPid(spec) !== undefined && (await acceptsConnections(config, spec.port))) {
    return { durationMs: performance.now() - started, alreadyRunning: true };
  }
  while (performance.now() < deadline) {
    const before = readPostmasterPidFile(spec);
    if (!before || !isProcessAlive(before.pid)) {
      await runPostgresTool(config, 'pg_ctl', [
        'start', '-D', spec.dataDir, '-l', spec.logFile, '-W',
        '-o', `-p ${spec.port} -c cluster_name=${spec.name}`,
      ]);
    }
    const launched = performance.now();
    while (performance.now() < deadline) {
      const info = readPostmasterPidFile(spec);
      if (info && isProcessAlive(info.pid)) {
        if ((info.status === 'ready' || info.status === 'standby') && (await acceptsConnections(config, spec.port))) {
          return { durationMs: performance.now() - started, alreadyRunning: false };
        }
      } else if (performance.now() - launched > 1500) {
        break; // no live postmaster: it exited while starting (e.g. shared memory still held), relaunch
      }
      await sleep(10);
    }
    await sleep(100);
  }
  throw new Error(`${spec.name}: did not accept connections in time; log tail:\n${logTail(spec)}`);
}

export async function acceptsConnections(config: LabConfig, port: number): Promise<boolean> {
  try {
    await withCluster(config, port, (client) => client.query('SELECT 1'), { connectTimeoutMs: 1000, queryTimeoutMs: 2000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Stops the cluster by signalling the postmaster (fast = SIGINT, immediate = SIGQUIT) and polls
 * until it is gone. A fast stop first sends all WAL to connected standbys: that is what makes a
 * planned switchover lose nothing.
 */
export async function stopCluster(
  spec: ClusterSpec,
  mode: ShutdownMode = 'fast',
  options: { timeoutMs?: number } = {},
): Promise<{ durationMs: number; wasRunning: boolean }> {
  const started = performance.now();
  const pid = postmasterPid(spec);
  if (pid === undefined) return { durationMs: 0, wasRunning: false };
  const deadline = started + (options.timeoutMs ?? 30_000);
  process.kill(pid, SHUTDOWN_SIGNAL[mode]);
  while (isProcessAlive(pid)) {
    if (performance.now() > deadline) {
      if (mode === 'immediate') {
        process.kill(pid, 'SIGKILL');
      } else {
        return stopCluster(spec, 'immediate', { timeoutMs: 5000 });
      }
    }
    await sleep(5);
  }
  return { durationMs: performance.now() - started, wasRunning: true };
}

/**
 * Promotes a standby with `pg_promote(wait => false)`, polls `pg_is_in_recovery()` every 2 ms
 * (pg_promote's own wait polls every 100 ms), then proves it with a write: assigning a transaction
 * id fails while a cluster is in recovery.
 */
export async function promoteCluster(
  config: LabConfig,
  port: number,
  options: { timeoutMs?: number } = {},
): Promise<{ durationMs: number; firstWriteAt: Date }> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? 30_000);
  return withCluster(config, port, async (client) => {
    const inRecovery = async () =>
      (await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery')).rows[0].in_recovery;
    if (await inRecovery()) await client.query('SELECT pg_promote(false)');
    while (await inRecovery()) {
      if (performance.now() > deadline) throw new Error(`port ${port}: still in recovery after promote`);
      await sleep(2);
    }
    await client.query('SELECT pg_current_xact_id()');
    return { durationMs: performance.now() - started, firstWriteAt: new Date() };
  });
}

export interface ClusterStatus {
  name: string;
  port: number;
  dataDir: string;
  hasData: boolean;
  pid?: number;
  up: boolean;
  role: 'primary' | 'standby' | 'stopped' | 'unreachable';
  /** Where this cluster's WAL is: current LSN on a primary, last replayed on a standby. */
  lsn?: string;
  /** On a standby: its walreceiver (streaming from whom, received vs replayed). */
  walReceiver?: { status: string; senderPort: number | null; receivedLsn: string | null; replayedLsn: string | null };
  /** On a primary: the standbys streaming from it. */
  replicas?: Array<{ applicationName: string; state: string; sentLsn: string; replayLsn: string | null; replayLagBytes: number | null; syncState: string }>;
  /** Non-empty means writes wait for that standby: a primary with none would hang every write. */
  synchronousStandbyNames?: string;
}

export async function clusterStatus(config: LabConfig, spec: ClusterSpec): Promise<ClusterStatus> {
  const pid = postmasterPid(spec);
  const base = { name: spec.name, port: spec.port, dataDir: spec.dataDir, hasData: hasData(spec), pid };
  if (pid === undefined) return { ...base, up: false, role: 'stopped' };
  try {
    return await withCluster(
      config,
      spec.port,
      async (client) => {
        const { rows } = await client.query<{ in_recovery: boolean; sync_names: string }>(
          `SELECT pg_is_in_recovery() AS in_recovery, current_setting('synchronous_standby_names') AS sync_names`,
        );
        const inRecovery = rows[0].in_recovery;
        const synchronousStandbyNames = rows[0].sync_names;
        if (inRecovery) {
          const receiver = await client.query<{ status: string; sender_port: number | null; received: string | null; replayed: string | null }>(
            `SELECT r.status, r.sender_port, pg_last_wal_receive_lsn()::text AS received, pg_last_wal_replay_lsn()::text AS replayed
               FROM (SELECT 1) one LEFT JOIN pg_stat_wal_receiver r ON true`,
          );
          const row = receiver.rows[0];
          return {
            ...base, up: true, role: 'standby' as const, lsn: row.replayed ?? undefined, synchronousStandbyNames,
            walReceiver: { status: row.status ?? 'stopped', senderPort: row.sender_port, receivedLsn: row.received, replayedLsn: row.replayed },
          };
        }
        const replicas = await client.query<{ application_name: string; state: string; sent_lsn: string; replay_lsn: string | null; lag: string | null; sync_state: string; current: string }>(
          `SELECT application_name, state, sent_lsn::text, replay_lsn::text, sync_state,
                  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint::text AS lag
             FROM pg_stat_replication ORDER BY application_name`,
        );
        const current = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
        return {
          ...base, up: true, role: 'primary' as const, lsn: current.rows[0].lsn, synchronousStandbyNames,
          replicas: replicas.rows.map((r) => ({
            applicationName: r.application_name, state: r.state, sentLsn: r.sent_lsn, replayLsn: r.replay_lsn,
            replayLagBytes: r.lag === null ? null : Number(r.lag), syncState: r.sync_state,
          })),
        };
      },
      { connectTimeoutMs: 1000, queryTimeoutMs: 3000 },
    );
  } catch {
    return { ...base, up: true, role: 'unreachable' };
  }
}

export function logTail(spec: ClusterSpec, lines = 20): string {
  try {
    return readFileSync(spec.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
