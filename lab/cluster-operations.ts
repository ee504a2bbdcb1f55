/**
 * The cluster work the infra API exposes to runbooks (POST /rebuild-standby, POST and DELETE
 * /scratch-clone), done by the lab's own code in the daemon. Each operation is idempotent, as a
 * runbook step may be retried: a repeated call while one runs joins it, a rebuild of a site that
 * already streams from the source changes nothing, and dropping a missing clone is a no-op.
 */
import { sitePort, type LabConfig, type SiteId } from './config';
import { rebuildAsStandby } from './failback';
import { InfraApiRefusal, type ClusterOperations } from './infra-api';
import { clusterStatus, siteCluster } from './postgres-cluster';
import { createScratchClone, dropScratchClone } from './scratch-clone';

export function labClusterOperations(config: LabConfig): ClusterOperations {
  /** One operation at a time: a rebuild and a clone both run pg_basebackup and stop clusters. */
  let running: { key: string; promise: Promise<Record<string, unknown>> } | undefined;
  const once = (key: string, work: () => Promise<Record<string, unknown>>): Promise<Record<string, unknown>> => {
    if (running?.key === key) return running.promise;
    if (running) return Promise.reject(new InfraApiRefusal(409, `busy with ${running.key}: try again when it is done`));
    const promise = work().finally(() => (running = undefined));
    running = { key, promise };
    return promise;
  };

  return {
    rebuildStandby: (site, source) =>
      once(`rebuild-standby ${site} from ${source}`, async () => {
        const [own, upstream] = await Promise.all([
          clusterStatus(config, siteCluster(config, site)),
          clusterStatus(config, siteCluster(config, source)),
        ]);
        if (upstream.role !== 'primary') {
          throw new InfraApiRefusal(409, `${source} is ${upstream.role}, not a primary: nothing to rebuild ${site} from`);
        }
        const receiver = own.walReceiver;
        if (own.role === 'standby' && receiver?.status === 'streaming' && receiver.senderPort === sitePort(config, source)) {
          return { site, source, rebuilt: false, reason: `${site} already streams from ${source}` };
        }
        const result = await rebuildAsStandby(config, site, { source });
        return { ...result, rebuilt: true };
      }),
    createScratchClone: (source: SiteId) =>
      once(`scratch-clone of ${source}`, async () => {
        const clone = await createScratchClone(config, { source });
        return { ...clone };
      }),
    dropScratchClone: () =>
      once('drop scratch-clone', async () => {
        const dropped = await dropScratchClone(config);
        return { ...dropped, dropped: true };
      }),
  };
}
