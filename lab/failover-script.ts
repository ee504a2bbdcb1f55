/**
 * The plain-script failover: the baseline drillbook's failover-to-dr runbook is compared with (same
 * steps, no workflow engine). A planned switchover when the old primary is reachable (no
 * acknowledged write lost), a failover when it is not.
 *
 *   1. fence the old primary's site at the switch (clients are cut off; no new writes reach it);
 *   2. wait until the standby has replayed everything: up to the old primary's current WAL
 *      position if it answers, else everything the standby received (the unreplicated bytes at
 *      fence time are the RPO evidence);
 *   3. promote the standby and poll until it accepts a write;
 *   4. switch traffic to it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sitePort, type LabConfig, type SiteId, otherSite } from './config';
import { fenceSite, switchTraffic, unfenceSite } from './infra-client';
import { promoteCluster, siteCluster, stopCluster, withCluster, type ShutdownMode } from './postgres-cluster';

export interface FailoverStepTiming {
  step: 'fence' | 'catch-up' | 'stop-old-primary' | 'promote' | 'switch-traffic';
  startedAt: string;
  durationMs: number;
}

export interface FailoverResult {
  from: SiteId;
  to: SiteId;
  startedAt: string;
  endedAt: string;
  totalMs: number;
  steps: FailoverStepTiming[];
  /** Whether the old primary answered (planned switchover) or not (failover). */
  oldPrimaryReachable: boolean;
  /** WAL the standby had not replayed when the old primary was fenced (0 with a healthy link at rest). */
  unreplayedBytesAtFence: number | null;
  /** WAL received but never replayed at promotion: 0 when the catch-up completed. */
  unreplayedBytesAtPromote: number;
  /** The moment the new primary accepted its first write. */
  firstWriteAt: string;
}

/** Where the old primary's WAL ends, or undefined when it does not answer (within 300 ms). */
async function currentWalLsn(config: LabConfig, site: SiteId): Promise<string | undefined> {
  try {
    return await withCluster(
      config,
      sitePort(config, site),
      async (client) => {
        const { rows } = await client.query<{ in_recovery: boolean; lsn: string | null }>(
          `SELECT pg_is_in_recovery() AS in_recovery,
                  CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn`,
        );
        return rows[0].lsn ?? undefined;
      },
      { connectTimeoutMs: 300, queryTimeoutMs: 1000 },
    );
  } catch {
    return undefined;
  }
}

/**
 * Waits (polling every 2 ms) until the standby has replayed up to `targetLsn`, or, without one,
 * everything it has received. Returns the bytes it was behind when the wait began.
 */
export async function waitForReplay(
  config: LabConfig,
  standby: SiteId,
  targetLsn: string | undefined,
  options: { timeoutMs?: number } = {},
): Promise<{ behindBytesAtStart: number; unreplayedBytes: number }> {
  const deadline = performance.now() + (options.timeoutMs ?? 30_000);
  return withCluster(config, sitePort(config, standby), async (client) => {
    let behindAtStart: number | undefined;
    for (;;) {
      const { rows } = await client.query<{ behind: string | null }>(
        `SELECT pg_wal_lsn_diff(coalesce($1::pg_lsn, pg_last_wal_receive_lsn()), pg_last_wal_replay_lsn())::bigint::text AS behind`,
        [targetLsn ?? null],
      );
      const behind = Math.max(0, Number(rows[0].behind ?? 0));
      behindAtStart ??= behind;
      if (behind === 0) return { behindBytesAtStart: behindAtStart, unreplayedBytes: 0 };
      if (performance.now() > deadline) return { behindBytesAtStart: behindAtStart, unreplayedBytes: behind };
      await sleep(2);
    }
  });
}

/** Resets synchronous_standby_names on a new primary: with no standby left, every write would hang. */
export async function clearSynchronousStandbys(config: LabConfig, site: SiteId): Promise<boolean> {
  return withCluster(config, sitePort(config, site), async (client) => {
    const { rows } = await client.query<{ names: string }>(`SELECT current_setting('synchronous_standby_names') AS names`);
    if (rows[0].names === '') return false;
    await client.query('ALTER SYSTEM RESET synchronous_standby_names');
    await client.query('SELECT pg_reload_conf()');
    return true;
  });
}

/**
 * Fails over (or switches over) from `from` to `to`; see the file header. Throws when a step
 * fails; the steps done so far stay done (the switch stays fenced: a human decides).
 */
export async function runScriptedFailover(
  config: LabConfig,
  options: { from?: SiteId; to?: SiteId; stopOldPrimary?: ShutdownMode | false; catchUpTimeoutMs?: number } = {},
): Promise<FailoverResult> {
  const from = options.from ?? 'site-a';
  const to = options.to ?? otherSite(from);
  const steps: FailoverStepTiming[] = [];
  const startedWall = new Date();
  const startedPerf = performance.now();
  const timed = async <T>(step: FailoverStepTiming['step'], fn: () => Promise<T>): Promise<T> => {
    const at = new Date().toISOString();
    const began = performance.now();
    const result = await fn();
    steps.push({ step, startedAt: at, durationMs: round(performance.now() - began) });
    return result;
  };

  await timed('fence', () => fenceSite(config, from));
  const { oldPrimaryLsn, replay } = await timed('catch-up', async () => {
    const lsn = await currentWalLsn(config, from);
    const caughtUp = await waitForReplay(config, to, lsn, { timeoutMs: options.catchUpTimeoutMs });
    // Promoting now would lose acknowledged writes: a person must decide that, not a script.
    if (caughtUp.unreplayedBytes > 0) {
      throw new Error(`${to} still ${caughtUp.unreplayedBytes} bytes behind ${lsn ?? 'what it received'}; not promoting (${from} stays fenced)`);
    }
    return { oldPrimaryLsn: lsn, replay: caughtUp };
  });
  if (options.stopOldPrimary) {
    const mode = options.stopOldPrimary;
    await timed('stop-old-primary', () => stopCluster(siteCluster(config, from), mode));
  }
  const promoted = await timed('promote', async () => {
    const result = await promoteCluster(config, sitePort(config, to));
    await clearSynchronousStandbys(config, to);
    return result;
  });
  await timed('switch-traffic', async () => {
    // A site fenced by an earlier failover would refuse the traffic we are sending it.
    await unfenceSite(config, to);
    return switchTraffic(config, to);
  });
  return {
    from,
    to,
    startedAt: startedWall.toISOString(),
    endedAt: new Date().toISOString(),
    totalMs: round(performance.now() - startedPerf),
    steps,
    oldPrimaryReachable: oldPrimaryLsn !== undefined,
    unreplayedBytesAtFence: replay.behindBytesAtStart,
    unreplayedBytesAtPromote: replay.unreplayedBytes,
    firstWriteAt: promoted.firstWriteAt.toISOString(),
  };
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
