/**
 * The lab's long-lived process: the traffic switch and both sites' infra APIs. `labUp` starts it
 * detached (see `startLabDaemon` in lab.ts) so that it outlives the CLI command that started it:
 *
 *   node dist/lab/lab-daemon.js <lab-config.json>
 *
 * It writes its pid file once all three ports listen, keeps the switch target, fencing and capacity
 * in a state file (a restarted daemon resumes them), and exits cleanly on SIGTERM or SIGINT.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { SITES, infraApiPort, sitePort, type LabConfig, type SiteId } from './config';
import { labClusterOperations } from './cluster-operations';
import { buildInfraApi, type SiteHealthProbe } from './infra-api';
import { connectCluster } from './postgres-cluster';
import { probeReplication } from './replication-probe';
import { labPaths, readDaemonState, writeDaemonState } from './state';
import { TrafficSwitch } from './traffic-switch';

async function probePostgres(config: LabConfig, site: SiteId): Promise<SiteHealthProbe> {
  try {
    const client = await connectCluster(config, sitePort(config, site), { connectTimeoutMs: 500, queryTimeoutMs: 1000 });
    try {
      const { rows } = await client.query<{ in_recovery: boolean }>('SELECT pg_is_in_recovery() AS in_recovery');
      return { reachable: true, role: rows[0].in_recovery ? 'standby' : 'primary' };
    } finally {
      await client.end().catch(() => undefined);
    }
  } catch (error) {
    return { reachable: false, error: (error as Error).message };
  }
}

export async function runLabDaemon(config: LabConfig): Promise<void> {
  const paths = labPaths(config);
  const state = readDaemonState(config);
  const persist = () => writeDaemonState(config, state);

  const trafficSwitch = new TrafficSwitch({
    host: config.host,
    listenPort: config.ports.trafficSwitch,
    upstreams: {
      'site-a': { host: config.host, port: sitePort(config, 'site-a') },
      'site-b': { host: config.host, port: sitePort(config, 'site-b') },
    },
    target: state.target,
    fenced: state.fenced,
    onChange: ({ target, fenced }) => {
      state.target = target;
      state.fenced = fenced;
      persist();
    },
  });
  await trafficSwitch.listen();

  const clusters = labClusterOperations(config);
  const apis: FastifyInstance[] = [];
  for (const site of SITES) {
    const api = buildInfraApi({
      site,
      trafficSwitch,
      getCapacity: (which) => state.capacity[which],
      setCapacity: (which, capacity) => {
        state.capacity[which] = capacity;
        persist();
      },
      probePostgres: (which) => probePostgres(config, which),
      probeReplication: async (which) => ({ ...(await probeReplication(config, which)) }),
      clusters,
    });
    await api.listen({ host: config.host, port: infraApiPort(config, site) });
    apis.push(api);
  }
  persist();
  writeFileSync(paths.daemonPidFile, `${process.pid}\n`);
  console.log(`${new Date().toISOString()} lab daemon ${process.pid} up: switch :${config.ports.trafficSwitch} -> ${state.target}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${new Date().toISOString()} lab daemon stopping (${signal})`);
    await Promise.allSettled([trafficSwitch.close(), ...apis.map((api) => api.close())]);
    rmSync(paths.daemonPidFile, { force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

if (require.main === module) {
  const configFile = process.argv[2];
  if (!configFile) {
    console.error('usage: lab-daemon <lab-config.json>');
    process.exit(2);
  }
  const config = JSON.parse(readFileSync(configFile, 'utf8')) as LabConfig;
  runLabDaemon(config).catch((error: unknown) => {
    console.error(`${new Date().toISOString()} lab daemon failed to start:`, error);
    process.exit(1);
  });
}
