/**
 * Failback primitives, and `labReset`, which returns the lab to its initial topology (site A
 * primary, site B its streaming standby, traffic on A, nothing fenced, capacity as configured).
 *
 * Rebuilding an old primary as a standby: stop it, CHECKPOINT the new primary (until that
 * checkpoint its control file still names the old timeline, and pg_rewind would wrongly answer
 * "no rewind required", leaving a standby that loops on a forked timeline), `pg_rewind -R`, start,
 * and wait until a marker row written on the primary shows up: a started postmaster proves nothing.
 * When rewinding is impossible, a fresh base backup replaces it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { SITES, otherSite, sitePort, type LabConfig, type SiteId } from './config';
import { runScriptedFailover, clearSynchronousStandbys, type FailoverResult } from './failover-script';
import { setCapacity, switchTraffic, unfenceSite } from './infra-client';
import { labStatus, labUp, type LabStatus } from './lab';
import { runPostgresTool } from './postgres-command';
import { createStandby, siteCluster, startCluster, stopCluster, withCluster, logTail } from './postgres-cluster';

/** CHECKPOINT on a (new) primary: required before pg_rewind uses it as the source. */
export async function checkpoint(config: LabConfig, site: SiteId): Promise<number> {
  const began = performance.now();
  await withCluster(config, sitePort(config, site), (client) => client.query('CHECKPOINT'));
  return performance.now() - began;
}

/**
 * Writes a marker row on `primary` and waits (polling every 10 ms) until `standby` has replayed it.
 * Throws after `timeoutMs`.
 */
export async function waitForMarkerRow(
  config: LabConfig,
  options: { primary: SiteId; standby: SiteId; timeoutMs?: number },
): Promise<{ durationMs: number; token: string }> {
  const began = performance.now();
  const deadline = began + (options.timeoutMs ?? 20_000);
  const token = randomUUID();
  await withCluster(config, sitePort(config, options.primary), (client) =>
    client.query('INSERT INTO lab_markers (token, note) VALUES ($1, $2)', [token, `replication check ${options.primary} -> ${options.standby}`]),
  );
  let lastError = 'not replayed yet';
  while (performance.now() < deadline) {
    try {
      const found = await withCluster(
        config,
        sitePort(config, options.standby),
        async (client) => (await client.query('SELECT 1 FROM lab_markers WHERE token = $1', [token])).rowCount === 1,
        { connectTimeoutMs: 500, queryTimeoutMs: 1000 },
      );
      if (found) return { durationMs: performance.now() - began, token };
    } catch (error) {
      lastError = (error as Error).message;
    }
    await sleep(10);
  }
  throw new Error(`marker row from ${options.primary} did not reach ${options.standby} in time (${lastError})`);
}

export interface RebuildStandbyResult {
  site: SiteId;
  source: SiteId;
  method: 'rewind' | 'base-backup';
  /** Why rewinding was given up, when it was. */
  rewindFailure?: string;
  stopMs: number;
  checkpointMs: number;
  rebuildMs: number;
  /** From start to the marker row replayed. */
  catchUpMs: number;
  totalMs: number;
}

/**
 * Makes `site` a streaming standby of `source` (which must be a primary): pg_rewind, or a fresh base
 * backup when the rewind fails or the rewound standby does not catch up.
 */
export async function rebuildAsStandby(
  config: LabConfig,
  site: SiteId,
  options: { source?: SiteId; forceBaseBackup?: boolean; catchUpTimeoutMs?: number } = {},
): Promise<RebuildStandbyResult> {
  const source = options.source ?? otherSite(site);
  const spec = siteCluster(config, site);
  const began = performance.now();
  const { durationMs: stopMs } = await stopCluster(spec, 'fast');
  const checkpointMs = await checkpoint(config, source);
  const rebuildBegan = performance.now();
  let method: RebuildStandbyResult['method'] = 'rewind';
  let rewindFailure: string | undefined;
  if (options.forceBaseBackup || !existsSync(`${spec.dataDir}/PG_VERSION`)) {
    method = 'base-backup';
    rewindFailure = options.forceBaseBackup ? 'base backup requested' : 'no data folder';
  } else {
    try {
      await runPostgresTool(config, 'pg_rewind', [
        '-D', spec.dataDir, '-R',
        // As for initdb: a lab does not need the rewound files fsynced; it saves seconds.
        '--no-sync',
        '--source-server', `host=${config.host} port=${sitePort(config, source)} user=postgres dbname=${config.database}`,
      ]);
      // With "no rewind required" older releases skip -R: make sure it starts as a standby.
      if (!existsSync(`${spec.dataDir}/standby.signal`)) throw new Error('pg_rewind left no standby.signal');
    } catch (error) {
      method = 'base-backup';
      rewindFailure = (error as Error).message;
    }
  }
  if (method === 'base-backup') await createStandby(config, spec, sitePort(config, source));
  const rebuildMs = performance.now() - rebuildBegan;

  const catchUpBegan = performance.now();
  try {
    await startCluster(config, spec);
    await waitForMarkerRow(config, { primary: source, standby: site, timeoutMs: options.catchUpTimeoutMs ?? 20_000 });
  } catch (error) {
    if (method === 'base-backup') throw new Error(`${site}: rebuilt standby does not follow ${source}: ${(error as Error).message}\n${logTail(spec)}`);
    // The rewound standby cannot follow (e.g. WAL it needs is gone): start over from a base backup.
    await stopCluster(spec, 'immediate');
    method = 'base-backup';
    rewindFailure = `rewound standby did not catch up: ${(error as Error).message}`;
    await createStandby(config, spec, sitePort(config, source));
    await startCluster(config, spec);
    await waitForMarkerRow(config, { primary: source, standby: site });
  }
  const catchUpMs = performance.now() - catchUpBegan;
  return {
    site, source, method, rewindFailure,
    stopMs: round(stopMs), checkpointMs: round(checkpointMs), rebuildMs: round(rebuildMs), catchUpMs: round(catchUpMs),
    totalMs: round(performance.now() - began),
  };
}

export interface FailbackResult {
  /** The old primary rebuilt as a standby of the DR site. */
  rebuildOldPrimary: RebuildStandbyResult;
  /** The planned switchover back (its RTO is what clients see during the failback). */
  switchover: FailoverResult;
  /** The DR site rebuilt as a standby of the restored primary. */
  rebuildDrSite: RebuildStandbyResult;
  totalMs: number;
}

/**
 * The plain-script failback after a failover from `primary` (default site A) to the other site:
 * rebuild the old primary as a standby, switch over back with no loss, rebuild the DR site as a
 * standby again, unfence. Ends in the initial topology when `primary` is site A.
 */
export async function runScriptedFailback(config: LabConfig, options: { primary?: SiteId } = {}): Promise<FailbackResult> {
  const primary = options.primary ?? 'site-a';
  const dr = otherSite(primary);
  const began = performance.now();
  const rebuildOldPrimary = await rebuildAsStandby(config, primary, { source: dr });
  const switchover = await runScriptedFailover(config, { from: dr, to: primary });
  const rebuildDrSite = await rebuildAsStandby(config, dr, { source: primary });
  for (const site of SITES) await unfenceSite(config, site);
  return { rebuildOldPrimary, switchover, rebuildDrSite, totalMs: round(performance.now() - began) };
}

export interface LabResetResult {
  /** What had to be done; empty when the lab was already in its initial topology. */
  actions: string[];
  status: LabStatus;
  durationMs: number;
}

function streamsFrom(status: LabStatus, standby: SiteId, primary: SiteId, config: LabConfig): boolean {
  const receiver = status.sites[standby].walReceiver;
  return status.sites[standby].role === 'standby' && receiver?.status === 'streaming' && receiver.senderPort === sitePort(config, primary);
}

/**
 * Returns the lab to its initial topology whatever state a drill left it in (failed over,
 * half failed back, split brain after a drill, a part crashed). The primary whose data wins is the
 * one receiving traffic when both accept writes (that is where customers wrote), else the only one.
 */
export async function labReset(config: LabConfig): Promise<LabResetResult> {
  const began = performance.now();
  const actions: string[] = [];
  await labUp(config);
  let status = await labStatus(config);

  let authoritative: SiteId;
  if (status.primaries.length === 2) {
    authoritative = status.trafficSwitch.target ?? 'site-a';
  } else if (status.primaries.length === 1) {
    authoritative = status.primaries[0];
  } else {
    throw new Error('no site accepts writes: promote one (or labDown and labUp for a fresh lab)');
  }

  if (authoritative === 'site-b') {
    if (!streamsFrom(status, 'site-a', 'site-b', config)) {
      await rebuildAsStandby(config, 'site-a', { source: 'site-b' });
      actions.push('site-a rebuilt as standby of site-b');
    }
    await runScriptedFailover(config, { from: 'site-b', to: 'site-a' });
    actions.push('switched over to site-a');
    status = await labStatus(config);
  }
  if (!streamsFrom(status, 'site-b', 'site-a', config)) {
    await rebuildAsStandby(config, 'site-b', { source: 'site-a' });
    actions.push('site-b rebuilt as standby of site-a');
  }
  if (await clearSynchronousStandbys(config, 'site-a')) actions.push('synchronous_standby_names reset on site-a');

  const traffic = (await labStatus(config)).trafficSwitch;
  if (traffic.target !== 'site-a') {
    await switchTraffic(config, 'site-a');
    actions.push('traffic switched to site-a');
  }
  for (const site of SITES) {
    if ((await unfenceSite(config, site)).changed) actions.push(`${site} unfenced`);
    await setCapacity(config, site, config.capacity[site]);
  }
  status = await labStatus(config);
  if (!status.initialTopology) throw new Error(`lab not in its initial topology after reset: ${JSON.stringify(status)}`);
  return { actions, status, durationMs: round(performance.now() - began) };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
