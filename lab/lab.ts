/**
 * Bringing the whole DR lab up, down, and describing it.
 *
 * - `labUp` is idempotent: it reuses what runs and repairs what does not (a stopped cluster is
 *   started, a missing standby is rebuilt from the primary, a dead daemon is restarted).
 * - `labDown` leaves no process and no listening port behind, and removes the data unless asked.
 * - `labStatus` reads every part: clusters and their roles, replication, the switch.
 *
 * Roles are read from the clusters themselves (standby.signal, pg_is_in_recovery), never from a
 * file of ours: a runbook promotes a standby with SQL and the lab must see it.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SITES, infraApiPort, loadLabConfig, otherSite, sitePort, type LabConfig, type SiteId } from './config';
import { getTraffic, type TrafficState } from './infra-client';
import { makeOwnedDir } from './postgres-command';
import {
  clusterStatus,
  createStandby,
  hasData,
  initPrimary,
  isConfiguredAsStandby,
  postmasterPid,
  scratchCluster,
  siteCluster,
  startCluster,
  stopCluster,
  withCluster,
  type ClusterSpec,
  type ClusterStatus,
} from './postgres-cluster';
import { initialDaemonState, isProcessAlive, labPaths, livePid, writeDaemonState } from './state';

export interface LabUpReport {
  rootDir: string;
  /** What was done to each part: created, started, rebuilt, or reused as it was. */
  actions: Array<{ part: string; action: 'created' | 'started' | 'rebuilt' | 'reused' }>;
  durationMs: number;
}

const SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS transfers (
    seq bigint PRIMARY KEY,
    from_acct text NOT NULL,
    to_acct text NOT NULL,
    amount numeric(12, 2) NOT NULL,
    at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE IF NOT EXISTS lab_markers (
    id bigserial PRIMARY KEY,
    token text NOT NULL UNIQUE,
    note text,
    at timestamptz NOT NULL DEFAULT now()
  );
`;

/** Creates the bank tables on a primary (a no-op when they exist). */
export async function ensureSchema(config: LabConfig, site: SiteId): Promise<void> {
  await withCluster(config, sitePort(config, site), (client) => client.query(SCHEMA_SQL));
}

/** Brings every part of the lab up; see the file header. Throws when it cannot repair a part. */
export async function labUp(config: LabConfig = loadLabConfig()): Promise<LabUpReport> {
  const started = performance.now();
  const paths = labPaths(config);
  const actions: LabUpReport['actions'] = [];
  makeOwnedDir(config, paths.root, 0o755);
  writeFileSync(paths.configFile, JSON.stringify(config, null, 2));

  const specs = { 'site-a': siteCluster(config, 'site-a'), 'site-b': siteCluster(config, 'site-b') };
  if (!hasData(specs['site-a']) && !hasData(specs['site-b'])) {
    // A fresh lab: the daemon of an earlier one must not keep its switch state.
    await stopLabDaemon(config);
    writeDaemonState(config, initialDaemonState(config));
    await initPrimary(config, specs['site-a']);
    await startCluster(config, specs['site-a']);
    await ensureSchema(config, 'site-a');
    await createStandby(config, specs['site-b'], sitePort(config, 'site-a'));
    await startCluster(config, specs['site-b']);
    actions.push({ part: 'site-a', action: 'created' }, { part: 'site-b', action: 'created' });
  } else {
    const primaries = SITES.filter((site) => hasData(specs[site]) && !isConfiguredAsStandby(specs[site]));
    if (primaries.length === 0) {
      throw new Error(
        `neither site holds a primary (both data folders are standbys): run labReset, or labDown and labUp for a fresh lab`,
      );
    }
    // Primaries first: a standby started before its primary only retries until it is there.
    const order = [...primaries, ...SITES.filter((site) => !primaries.includes(site))];
    for (const site of order) {
      const spec = specs[site];
      if (!hasData(spec)) {
        await createStandby(config, spec, sitePort(config, primaries[0]));
        await startCluster(config, spec);
        actions.push({ part: site, action: 'rebuilt' });
        continue;
      }
      const { alreadyRunning } = await startCluster(config, spec);
      actions.push({ part: site, action: alreadyRunning ? 'reused' : 'started' });
    }
    for (const site of primaries) await ensureSchema(config, site);
  }

  const daemon = await ensureLabDaemon(config);
  actions.push({ part: 'daemon', action: daemon });
  return { rootDir: paths.root, actions, durationMs: performance.now() - started };
}

/** Ports of the daemon: the switch and both infra APIs. */
function daemonPorts(config: LabConfig): number[] {
  return [config.ports.trafficSwitch, infraApiPort(config, 'site-a'), infraApiPort(config, 'site-b')];
}

/** True when something accepts a TCP connection on host:port within `timeoutMs`. */
export function isPortOpen(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const finish = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

/**
 * The daemon's command line. Built (dist/lab/lab.js): the compiled lab-daemon.js beside it. From
 * TypeScript sources (jest): lab-daemon.ts through the project's one require hook,
 * scripts/register-typescript.js (the one src/threads/start-worker.ts gives worker threads).
 */
export function labDaemonArgv(configFile: string): string[] {
  const compiled = path.join(__dirname, 'lab-daemon.js');
  if (existsSync(compiled)) return [compiled, configFile];
  return ['--require', path.join(__dirname, '..', 'scripts', 'register-typescript.js'), path.join(__dirname, 'lab-daemon.ts'), configFile];
}

async function ensureLabDaemon(config: LabConfig): Promise<'started' | 'reused'> {
  const paths = labPaths(config);
  const pid = livePid(paths.daemonPidFile);
  if (pid !== undefined) {
    const open = await Promise.all(daemonPorts(config).map((port) => isPortOpen(config.host, port)));
    if (open.every(Boolean)) return 'reused';
    await stopLabDaemon(config); // alive but deaf: replace it
  }
  await startLabDaemon(config);
  return 'started';
}

/**
 * Starts the switch and infra APIs as a detached process (its own session, output to
 * lab-daemon.log, unref'd) so it outlives this process; waits until its pid file and ports are up.
 */
export async function startLabDaemon(config: LabConfig, options: { timeoutMs?: number } = {}): Promise<number> {
  const paths = labPaths(config);
  writeFileSync(paths.configFile, JSON.stringify(config, null, 2));
  rmSync(paths.daemonPidFile, { force: true });
  const log = openSync(paths.daemonLog, 'a');
  const child = spawn(process.execPath, labDaemonArgv(paths.configFile), {
    detached: true,
    stdio: ['ignore', log, log],
    cwd: paths.root,
  });
  closeSync(log);
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = performance.now() + (options.timeoutMs ?? 20_000);
  while (performance.now() < deadline) {
    if (exited !== undefined) break;
    if (livePid(paths.daemonPidFile) === child.pid) return child.pid as number;
    await sleep(20);
  }
  if (exited === undefined && child.pid) process.kill(child.pid, 'SIGKILL');
  throw new Error(`lab daemon did not start (exit ${String(exited)}); log tail:\n${tail(paths.daemonLog)}`);
}

/** Stops the daemon (SIGTERM, then SIGKILL after 3 s). Returns whether one was running. */
export async function stopLabDaemon(config: LabConfig): Promise<boolean> {
  const paths = labPaths(config);
  const pid = livePid(paths.daemonPidFile);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGTERM');
  const deadline = performance.now() + 3000;
  while (isProcessAlive(pid)) {
    if (performance.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      await sleep(50);
      break;
    }
    await sleep(10);
  }
  rmSync(paths.daemonPidFile, { force: true });
  return true;
}

export interface LabDownReport {
  stopped: string[];
  removedData: boolean;
  /** Lab ports still accepting connections afterwards: empty unless something else holds them. */
  portsStillOpen: number[];
  durationMs: number;
}

/** Every data folder of the lab that may hold a running postmaster: the sites and scratch clones. */
function clusterSpecsUnderRoot(config: LabConfig): ClusterSpec[] {
  const specs = [siteCluster(config, 'site-a'), siteCluster(config, 'site-b'), scratchCluster(config)];
  const known = new Set(specs.map((spec) => spec.dataDir));
  const scratchDir = labPaths(config).scratchDir;
  // Other clones a runbook made in the scratch folder: any folder there with a postmaster.pid.
  for (const first of safeReaddir(scratchDir)) {
    for (const second of ['', ...safeReaddir(path.join(scratchDir, first))]) {
      const dir = path.join(scratchDir, first, second);
      if (!known.has(dir) && existsSync(path.join(dir, 'postmaster.pid'))) {
        specs.push({ name: path.relative(config.rootDir, dir), dataDir: dir, port: 0, logFile: '' });
        known.add(dir);
      }
    }
  }
  return specs;
}

/**
 * Removes what the lab created, then the root if nothing else is left in it: a root mistakenly set
 * to a shared folder (DRILLBOOK_LAB_DIR=/tmp) must not be wiped.
 */
function removeLabFiles(config: LabConfig): void {
  const paths = labPaths(config);
  const ours = [
    ...SITES.map((site) => paths.siteDir[site]),
    paths.scratchDir, paths.socketDir, paths.configFile, paths.daemonPidFile, paths.daemonLog, paths.daemonStateFile,
    `${paths.daemonStateFile}.tmp`,
  ];
  for (const entry of ours) rmSync(entry, { recursive: true, force: true });
  try {
    rmdirSync(paths.root);
  } catch {
    // not empty: someone else's files live there too
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  } catch {
    return [];
  }
}

/** Stops everything of the lab; removes its root unless `keepData`. Never throws for a part already down. */
export async function labDown(config: LabConfig = loadLabConfig(), options: { keepData?: boolean } = {}): Promise<LabDownReport> {
  const started = performance.now();
  const stopped: string[] = [];
  if (await stopLabDaemon(config)) stopped.push('daemon');
  const specs = clusterSpecsUnderRoot(config);
  const results = await Promise.all(specs.map((spec) => stopCluster(spec, 'fast', { timeoutMs: 10_000 })));
  specs.forEach((spec, index) => results[index].wasRunning && stopped.push(spec.name));
  const removedData = !options.keepData && existsSync(config.rootDir);
  if (removedData) removeLabFiles(config);
  const ports = Object.values(config.ports);
  const open = await Promise.all(ports.map((port) => isPortOpen(config.host, port)));
  return { stopped, removedData, portsStillOpen: ports.filter((_, index) => open[index]), durationMs: performance.now() - started };
}

export interface SiteStatus extends ClusterStatus {
  site: SiteId;
  infraApi: { port: number; up: boolean };
}

export interface LabStatus {
  rootDir: string;
  sites: Record<SiteId, SiteStatus>;
  /** The site(s) whose cluster accepts writes; two means split brain (e.g. after a drill, before failback). */
  primaries: SiteId[];
  /** The standby's replication from the primary, as the primary sees it. */
  replication: {
    streaming: boolean;
    from?: SiteId;
    to?: SiteId;
    state?: string;
    lagBytes?: number | null;
  };
  trafficSwitch: { port: number; up: boolean } & Partial<TrafficState>;
  daemon: { pid?: number; up: boolean };
  /** A primary, B its streaming standby, traffic on A, nothing fenced: how the lab starts. */
  initialTopology: boolean;
}

/** Reads every part of the lab; never throws for a part that is down. */
export async function labStatus(config: LabConfig = loadLabConfig()): Promise<LabStatus> {
  const paths = labPaths(config);
  const [clusters, apisUp, switchUp] = await Promise.all([
    Promise.all(SITES.map((site) => clusterStatus(config, siteCluster(config, site)))),
    Promise.all(SITES.map((site) => isPortOpen(config.host, infraApiPort(config, site)))),
    isPortOpen(config.host, config.ports.trafficSwitch),
  ]);
  const sites = Object.fromEntries(
    SITES.map((site, index) => [site, { ...clusters[index], site, infraApi: { port: infraApiPort(config, site), up: apisUp[index] } }]),
  ) as Record<SiteId, SiteStatus>;
  const primaries = SITES.filter((site) => sites[site].role === 'primary');

  let replication: LabStatus['replication'] = { streaming: false };
  for (const from of primaries) {
    const to = otherSite(from);
    const replica = sites[from].replicas?.find((r) => r.applicationName === to);
    if (replica && sites[to].role === 'standby') {
      replication = { streaming: replica.state === 'streaming', from, to, state: replica.state, lagBytes: replica.replayLagBytes };
    }
  }

  let traffic: Partial<TrafficState> = {};
  const apiSite = SITES.find((_, index) => apisUp[index]);
  if (apiSite) traffic = await getTraffic(config, apiSite).catch(() => ({}));

  const daemonPid = livePid(paths.daemonPidFile);
  const initialTopology =
    sites['site-a'].role === 'primary' &&
    sites['site-b'].role === 'standby' &&
    replication.streaming &&
    replication.from === 'site-a' &&
    traffic.target === 'site-a' &&
    (traffic.fenced ?? []).length === 0;
  return {
    rootDir: paths.root,
    sites,
    primaries,
    replication,
    trafficSwitch: { port: config.ports.trafficSwitch, up: switchUp, ...traffic },
    daemon: { pid: daemonPid, up: daemonPid !== undefined },
    initialTopology,
  };
}

/** The site's postmaster pid, for tests that crash a part on purpose. */
export function sitePostmasterPid(config: LabConfig, site: SiteId): number | undefined {
  return postmasterPid(siteCluster(config, site));
}

export function labDaemonPid(config: LabConfig): number | undefined {
  return livePid(labPaths(config).daemonPidFile);
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
