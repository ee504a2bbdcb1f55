/**
 * A throwaway clone of a site's cluster on the scratch port, for a write test on the DR side that
 * leaves production untouched (like SRM's "test recovery"): a base backup of the standby, started
 * without standby.signal, so it finishes recovery and accepts writes on its own new timeline. The
 * standby itself keeps streaming; the clone is dropped afterwards.
 */
import { rmSync } from 'node:fs';
import { sitePort, type LabConfig, type SiteId } from './config';
import { createClone, promoteCluster, scratchCluster, startCluster, stopCluster, withCluster } from './postgres-cluster';
import { labPaths } from './state';

export interface ScratchClone {
  source: SiteId;
  port: number;
  connectionString: string;
  createdMs: number;
}

/** Clones `source` (default the DR site, site B) onto the scratch port; replaces an earlier clone. */
export async function createScratchClone(config: LabConfig, options: { source?: SiteId } = {}): Promise<ScratchClone> {
  const source = options.source ?? 'site-b';
  const spec = scratchCluster(config);
  const began = performance.now();
  await stopCluster(spec, 'immediate');
  await createClone(config, spec, sitePort(config, source));
  // A backup of a standby carries its standby.signal: without it the clone ends recovery on its own.
  for (const signal of ['standby.signal', 'recovery.signal']) rmSync(`${spec.dataDir}/${signal}`, { force: true });
  await startCluster(config, spec);
  // Still read-only (recovery not yet finished): promote it, which also waits for the first write.
  await promoteCluster(config, spec.port);
  return {
    source,
    port: spec.port,
    connectionString: `postgres://postgres@${config.host}:${spec.port}/${config.database}`,
    createdMs: Math.round(performance.now() - began),
  };
}

/** A read and a write on the clone; resolves with what was read and written, throws on failure. */
export async function readWriteTest(config: LabConfig): Promise<{ transfersSeen: number; wroteMarker: string }> {
  return withCluster(config, config.ports.scratch, async (client) => {
    const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM transfers');
    const marker = `scratch write test ${new Date().toISOString()}`;
    await client.query('INSERT INTO lab_markers (token, note) VALUES (gen_random_uuid()::text, $1)', [marker]);
    return { transfersSeen: Number(rows[0].n), wroteMarker: marker };
  });
}

/** Stops the clone at once and removes its files (nothing of it is worth a clean shutdown). Idempotent. */
export async function dropScratchClone(config: LabConfig): Promise<{ wasRunning: boolean }> {
  const { wasRunning } = await stopCluster(scratchCluster(config), 'immediate');
  rmSync(labPaths(config).scratchDir, { recursive: true, force: true });
  return { wasRunning };
}
