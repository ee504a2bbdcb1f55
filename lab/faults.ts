/**
 * Faults injected on purpose, for the unplanned failover: the primary's postmaster killed with
 * SIGKILL (no shutdown checkpoint, no goodbye to the standby: what a crashed host looks like to the
 * rest of the lab). Each fault is recorded, one JSON line in the lab's fault log, so a run's story can
 * be read next to what was done to the lab and when.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SiteIdSchema, sitePort, type LabConfig, type SiteId } from './config';
import { isPortOpen, labStatus, sitePostmasterPid } from './lab';
import { isProcessAlive, labPaths } from './state';

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

/** The faults recorded in the lab's fault log, oldest first. */
export function readFaultLog(config: LabConfig): FaultRecord[] {
  let text: string;
  try {
    text = readFileSync(labPaths(config).faultLog, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line) as FaultRecord);
}
