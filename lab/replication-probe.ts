/**
 * What a site's infra API answers on GET /replication: is this site a standby streaming WAL from its
 * primary, and how far behind is its replay (0 when it has applied everything it received). On a
 * primary: how many standbys stream from it.
 */
import { sitePort, type LabConfig, type SiteId } from './config';
import { connectCluster } from './postgres-cluster';

export interface ReplicationProbe {
  site: SiteId;
  reachable: boolean;
  role?: 'primary' | 'standby';
  /** A standby whose WAL receiver streams now. */
  streaming: boolean;
  /** The WAL receiver's status (`streaming`, `waiting`, …), null when it is not running. */
  receiver?: string | null;
  /** 0 when everything received is replayed, else the age of the last replayed transaction. */
  lagMs?: number | null;
  /** On a primary: standbys streaming from it. */
  standbys?: number;
  error?: string;
}

export async function probeReplication(config: LabConfig, site: SiteId): Promise<ReplicationProbe> {
  try {
    const client = await connectCluster(config, sitePort(config, site), { connectTimeoutMs: 500, queryTimeoutMs: 1000 });
    try {
      const { rows } = await client.query<{ in_recovery: boolean; receiver: string | null; caught_up: boolean | null; replay_age_ms: number | null; standbys: string }>(
        `SELECT pg_is_in_recovery() AS in_recovery,
                (SELECT status FROM pg_stat_wal_receiver) AS receiver,
                pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS caught_up,
                (EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS replay_age_ms,
                (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming') AS standbys`,
      );
      const r = rows[0];
      if (!r.in_recovery) return { site, reachable: true, role: 'primary', streaming: false, standbys: Number(r.standbys) };
      const lagMs = r.caught_up ? 0 : r.replay_age_ms === null ? null : Math.round(r.replay_age_ms);
      return { site, reachable: true, role: 'standby', streaming: r.receiver === 'streaming', receiver: r.receiver, lagMs };
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (error) {
    return { site, reachable: false, streaming: false, error: (error as Error).message };
  }
}
