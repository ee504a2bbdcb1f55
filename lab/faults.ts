/**
 * Faults injected on purpose: for the unplanned failover, the primary's postmaster killed with
 * SIGKILL (no shutdown checkpoint, no goodbye to the standby: what a crashed host looks like to the
 * rest of the lab); for readiness, a standby's replication stopped (its WAL receiver told to stop:
 * it stays up, a standby, falling behind) and resumed. Each fault is recorded, one JSON line in the
 * lab's fault log, so a run's story can be read next to what was done to the lab and when.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SiteIdSchema, sitePort, type LabConfig, type SiteId } from './config';
import { isPortOpen, labStatus, sitePostmasterPid } from './lab';
import { connectCluster } from './postgres-cluster';
import { probeReplication } from './replication-probe';
import { isProcessAlive, labPaths } from './state';

/** Any record of the fault log. */
export type LabFaultRecord = FaultRecord | ReplicationFaultRecord;

export interface FaultRecord {
  fault: 'kill-primary';
  site: SiteId;
  pid: number;
  signal: 'SIGKILL';
  /** When the signal was sent (ISO). */
  at: string;
  /** From the signal until the postmaster was gone and its port refused connections. */
  downAfterMs: number;
}

/**
 * SIGKILLs the postmaster of the primary (`site`, or the one site that accepts writes; with two, the
 * one the traffic switch sends clients to) and waits until it is gone and its port is closed. Throws
 * when that site is not a running primary. The record is appended to the lab's fault log.
 */
export async function killPrimary(config: LabConfig, options: { site?: SiteId; timeoutMs?: number } = {}): Promise<FaultRecord> {
  const status = await labStatus(config);
  const site = options.site !== undefined ? SiteIdSchema.parse(options.site) : primaryOf(status.primaries, status.trafficSwitch.target);
  if (status.sites[site].role !== 'primary') {
    throw new Error(`kill-primary: ${site} is not a running primary (it is ${status.sites[site].role})`);
  }
  const pid = sitePostmasterPid(config, site);
  if (pid === undefined) throw new Error(`kill-primary: ${site} has no live postmaster`);
  const began = performance.now();
  const at = new Date().toISOString();
  process.kill(pid, 'SIGKILL');
  const deadline = began + (options.timeoutMs ?? 10_000);
  while (isProcessAlive(pid) || (await isPortOpen(config.host, sitePort(config, site), 100))) {
    if (performance.now() > deadline) throw new Error(`kill-primary: ${site}'s postmaster ${pid} still runs or its port still answers`);
    await sleep(5);
  }
  const record: FaultRecord = { fault: 'kill-primary', site, pid, signal: 'SIGKILL', at, downAfterMs: Math.round((performance.now() - began) * 10) / 10 };
  appendFileSync(labPaths(config).faultLog, `${JSON.stringify(record)}\n`);
  return record;
}

function primaryOf(primaries: SiteId[], target: SiteId | undefined): SiteId {
  if (primaries.length === 1) return primaries[0];
  if (primaries.length === 2 && target) return target;
  throw new Error('kill-primary: no site accepts writes (is the lab up?)');
}

export interface ReplicationFaultRecord {
  fault: 'stop-replication' | 'resume-replication';
  site: SiteId;
  /** The standby's `primary_conninfo` before it was cleared (stop) or as restored (resume); no password in the lab. */
  primaryConninfo: string;
  at: string;
  /** From the change until the WAL receiver had stopped (stop) or streamed again (resume). */
  tookMs: number;
}

/**
 * Stops a standby's replication (`site`, default the one standby): clears its `primary_conninfo` and
 * reloads, so its WAL receiver stops and it falls behind its primary while staying up. Waits until the
 * receiver is gone. Throws when that site is not a streaming standby.
 */
export async function stopReplication(config: LabConfig, options: { site?: SiteId; timeoutMs?: number } = {}): Promise<ReplicationFaultRecord> {
  const site = await standbyOf(config, options.site, 'stop-replication');
  const began = performance.now();
  const at = new Date().toISOString();
  const conninfo = await withSite(config, site, async (client) => {
    const { rows } = await client.query<{ primary_conninfo: string }>('SHOW primary_conninfo');
    if (!rows[0].primary_conninfo) throw new Error(`stop-replication: ${site} has no primary_conninfo (replication stopped already?)`);
    await setPrimaryConninfo(client, '');
    return rows[0].primary_conninfo;
  });
  await waitForReplication(config, site, false, began + (options.timeoutMs ?? 10_000));
  return logFault(config, { fault: 'stop-replication', site, primaryConninfo: conninfo, at, tookMs: elapsed(began) });
}

/**
 * Resumes what `stopReplication` stopped: restores the standby's `primary_conninfo` from the fault
 * log's last `stop-replication` of `site` (default: the last one) and waits until it streams again.
 */
export async function resumeReplication(config: LabConfig, options: { site?: SiteId; timeoutMs?: number } = {}): Promise<ReplicationFaultRecord> {
  const stops = readFaultLog(config).filter((f): f is ReplicationFaultRecord => f.fault === 'stop-replication' && (options.site === undefined || f.site === options.site));
  const stop = stops[stops.length - 1];
  if (!stop) throw new Error(`resume-replication: no stopped replication${options.site ? ` of ${options.site}` : ''} in the lab's fault log`);
  const began = performance.now();
  const at = new Date().toISOString();
  await withSite(config, stop.site, (client) => setPrimaryConninfo(client, stop.primaryConninfo));
  await waitForReplication(config, stop.site, true, began + (options.timeoutMs ?? 15_000));
  return logFault(config, { fault: 'resume-replication', site: stop.site, primaryConninfo: stop.primaryConninfo, at, tookMs: elapsed(began) });
}

async function standbyOf(config: LabConfig, site: SiteId | undefined, what: string): Promise<SiteId> {
  const status = await labStatus(config);
  const standbys = (Object.keys(status.sites) as SiteId[]).filter((s) => status.sites[s].role === 'standby');
  const chosen = site !== undefined ? SiteIdSchema.parse(site) : standbys.length === 1 ? standbys[0] : undefined;
  if (chosen === undefined) throw new Error(`${what}: no single standby in the lab (is the lab up?)`);
  if (status.sites[chosen].role !== 'standby') throw new Error(`${what}: ${chosen} is not a running standby (it is ${status.sites[chosen].role})`);
  return chosen;
}

async function withSite<T>(config: LabConfig, site: SiteId, fn: (client: Awaited<ReturnType<typeof connectCluster>>) => Promise<T>): Promise<T> {
  const client = await connectCluster(config, sitePort(config, site));
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** ALTER SYSTEM takes no bound parameter: the value goes in as an escaped literal. */
async function setPrimaryConninfo(client: Awaited<ReturnType<typeof connectCluster>>, conninfo: string): Promise<void> {
  await client.query(`ALTER SYSTEM SET primary_conninfo = ${client.escapeLiteral(conninfo)}`);
  await client.query('SELECT pg_reload_conf()');
}

async function waitForReplication(config: LabConfig, site: SiteId, streaming: boolean, deadline: number): Promise<void> {
  for (;;) {
    const probe = await probeReplication(config, site);
    if (probe.streaming === streaming && (streaming || probe.receiver === null)) return;
    if (performance.now() > deadline) throw new Error(`${site}: replication did not ${streaming ? 'resume' : 'stop'} in time (receiver ${probe.receiver ?? 'none'})`);
    await sleep(50);
  }
}

function logFault<R extends LabFaultRecord>(config: LabConfig, record: R): R {
  appendFileSync(labPaths(config).faultLog, `${JSON.stringify(record)}\n`);
  return record;
}

function elapsed(began: number): number {
  return Math.round((performance.now() - began) * 10) / 10;
}

/** The faults recorded in the lab's fault log, oldest first. */
export function readFaultLog(config: LabConfig): LabFaultRecord[] {
  let text: string;
  try {
    text = readFileSync(labPaths(config).faultLog, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as LabFaultRecord);
}
