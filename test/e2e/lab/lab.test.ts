/**
 * The DR lab end to end, on real PostgreSQL clusters: one lab for the whole file, at its own root
 * and port block (26400+), beside the demo's lab. The tests run in order and each leaves the lab as
 * the next one expects.
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { loadLabConfig, switchConnectionString, siteConnectionString, type LabConfig } from '../../../lab/config';
import { runScriptedFailback, labReset } from '../../../lab/failback';
import { runScriptedFailover } from '../../../lab/failover-script';
import { fenceSite, getCapacity, getTraffic, infraRequest, InfraApiError, setCapacity, unfenceSite } from '../../../lab/infra-client';
import { isPortOpen, labDaemonPid, labDown, labStatus, labUp, sitePostmasterPid } from '../../../lab/lab';
import { findMissingSeqs, runLoad, startLoad } from '../../../lab/load-generator';
import { siteCluster, stopCluster, withCluster } from '../../../lab/postgres-cluster';
import { createScratchClone, dropScratchClone, readWriteTest } from '../../../lab/scratch-clone';
import { isProcessAlive } from '../../../lab/state';

const config: LabConfig = loadLabConfig({ rootDir: '/tmp/drillbook-lab-e2e', portBase: 26400 });
/** Every write acknowledged in this file: all must still exist after the failback. */
const acknowledged: number[] = [];

async function connectThroughSwitch(): Promise<Client> {
  const client = new Client({ connectionString: switchConnectionString(config), connectionTimeoutMillis: 1000 });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function waitForPortClosed(port: number, timeoutMs = 2000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isPortOpen(config.host, port)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

beforeAll(async () => {
  await labDown(config); // leftovers of an interrupted earlier run
}, 60_000);

afterAll(async () => {
  await labDown(config);
  rmSync(config.rootDir, { recursive: true, force: true });
}, 60_000);

test('lab up: site A primary, site B a streaming standby, traffic on A; a second up reuses everything', async () => {
  const first = await labUp(config);
  expect(first.actions.map((a) => a.action)).toEqual(['created', 'created', 'started']);

  const status = await labStatus(config);
  expect(status.sites['site-a'].role).toBe('primary');
  expect(status.sites['site-b'].role).toBe('standby');
  expect(status.sites['site-b'].walReceiver?.status).toBe('streaming');
  expect(status.replication).toMatchObject({ streaming: true, from: 'site-a', to: 'site-b' });
  expect(status.trafficSwitch).toMatchObject({ up: true, target: 'site-a', fenced: [] });
  expect(status.initialTopology).toBe(true);

  const second = await labUp(config);
  expect(second.actions.every((a) => a.action === 'reused')).toBe(true);
  expect(second.durationMs).toBeLessThan(2000);
});

test('capacity: GET reports the inventory and live usage, PUT changes it, a bad body is a 400 naming the field', async () => {
  const before = await getCapacity(config, 'site-b');
  expect(before).toMatchObject({ site: 'site-b', ...config.capacity['site-b'], usedConnections: 0 });

  const lowered = await setCapacity(config, 'site-b', { cpuCores: 2, memoryMb: 4096 });
  expect(lowered).toMatchObject({ cpuCores: 2, memoryMb: 4096, maxConnections: config.capacity['site-b'].maxConnections });
  expect(await getCapacity(config, 'site-b')).toMatchObject({ cpuCores: 2 });
  expect(await getCapacity(config, 'site-a')).toMatchObject({ cpuCores: config.capacity['site-a'].cpuCores });

  const badValue = infraRequest(config, 'site-b', 'PUT', '/capacity', { cpuCores: 'many' });
  await expect(badValue).rejects.toMatchObject({ status: 400, message: expect.stringContaining('cpuCores') });
  const unknownField = infraRequest(config, 'site-b', 'PUT', '/capacity', { cores: 4 });
  await expect(unknownField).rejects.toMatchObject({ status: 400, message: expect.stringContaining('cores') });
  const badTarget = infraRequest(config, 'site-a', 'POST', '/traffic/switch', { target: 'site-c' });
  await expect(badTarget).rejects.toBeInstanceOf(InfraApiError);
  await expect(badTarget).rejects.toMatchObject({ status: 400, message: expect.stringContaining('target') });

  await setCapacity(config, 'site-b', config.capacity['site-b']);
});

test('the load generator writes through the switch and finds every acknowledged write', async () => {
  const report = await runLoad({ connectionString: switchConnectionString(config), durationMs: 1000, ratePerSec: 200 });
  expect(report.committed).toBeGreaterThan(100);
  expect(report.failedNoAnswer).toBe(0);
  expect(report.verified).toBe(true);
  expect(report.missingCommitted).toEqual([]);
  expect(report.longestWriteGapMs).toBeLessThan(500);
  acknowledged.push(...report.committedSeqs);

  const health = await infraRequest<{ status: string; postgres: { role: string } }>(config, 'site-a', 'GET', '/health');
  expect(health).toMatchObject({ status: 'ok', postgres: { role: 'primary' }, receivingTraffic: true });
});

test('a scratch clone of the standby takes a write test without touching the standby', async () => {
  const clone = await createScratchClone(config);
  const result = await readWriteTest(config);
  expect(result.transfersSeen).toBeGreaterThanOrEqual(acknowledged.length);
  const standbySeesIt = await withCluster(config, config.ports.siteB, async (client) =>
    (await client.query('SELECT 1 FROM lab_markers WHERE note = $1', [result.wroteMarker])).rowCount,
  );
  expect(standbySeesIt).toBe(0);
  expect((await labStatus(config)).initialTopology).toBe(true);
  expect(await dropScratchClone(config)).toEqual({ wasRunning: true });
  expect(await isPortOpen(config.host, clone.port)).toBe(false);
});

test('a fenced site gets no traffic: open sessions are closed and new ones refused, until unfenced', async () => {
  const open = await connectThroughSwitch();
  await open.query('SELECT 1');
  const ended = new Promise((resolve) => open.once('end', resolve));

  expect(await fenceSite(config, 'site-a')).toMatchObject({ changed: true, closedConnections: 1 });
  expect(await fenceSite(config, 'site-a')).toMatchObject({ changed: false }); // idempotent
  await ended;
  await expect(connectThroughSwitch()).rejects.toThrow();
  expect(await getTraffic(config)).toMatchObject({ target: 'site-a', fenced: ['site-a'] });
  expect((await labStatus(config)).initialTopology).toBe(false);

  expect(await unfenceSite(config, 'site-a')).toMatchObject({ changed: true });
  expect(await unfenceSite(config, 'site-a')).toMatchObject({ changed: false });
  const again = await connectThroughSwitch();
  expect((await again.query('SELECT pg_is_in_recovery() AS r')).rows[0].r).toBe(false);
  await again.end();
});

test('scripted failover under load: no acknowledged write lost, a short outage seen by the client', async () => {
  const load = startLoad({ connectionString: switchConnectionString(config), ratePerSec: 200 });
  await sleep(1000);
  const failover = await runScriptedFailover(config, { from: 'site-a', to: 'site-b' });
  await sleep(1000);
  const report = await load.stop();
  console.log('failover', JSON.stringify(failover), 'client', JSON.stringify({ ...report, committedSeqs: undefined, noAnswerSeqs: undefined }));

  expect(failover.oldPrimaryReachable).toBe(true);
  expect(failover.unreplayedBytesAtPromote).toBe(0);
  expect(report.verified).toBe(true);
  expect(report.missingCommitted).toEqual([]); // client-side RPO 0
  // The client saw an outage across the failover (fence .. switch): its client-side RTO. (Not
  // necessarily the run's longest gap: a ~50 ms failover can be shorter than a stall of the machine.)
  const outage = report.writeGaps.find(
    (g) => Date.parse(g.from) <= Date.parse(failover.endedAt) && Date.parse(g.to) >= Date.parse(failover.startedAt),
  );
  expect(outage?.ms).toBeGreaterThan(0);
  expect(outage!.ms).toBeLessThan(3000);
  acknowledged.push(...report.committedSeqs);

  const status = await labStatus(config);
  expect(status.sites['site-b'].role).toBe('primary');
  expect(status.trafficSwitch).toMatchObject({ target: 'site-b', fenced: ['site-a'] });
});

test('scripted failback under load returns to the initial topology with every acknowledged write', async () => {
  const load = startLoad({ connectionString: switchConnectionString(config), ratePerSec: 200 });
  await sleep(500);
  const failback = await runScriptedFailback(config);
  await sleep(500);
  const report = await load.stop();
  console.log('failback', JSON.stringify(failback), 'client', JSON.stringify({ ...report, committedSeqs: undefined, noAnswerSeqs: undefined }));

  expect(report.missingCommitted).toEqual([]);
  expect(report.longestWriteGapMs).toBeLessThan(3000);
  acknowledged.push(...report.committedSeqs);
  const status = await labStatus(config);
  expect(status.initialTopology).toBe(true);
  expect(await findMissingSeqs(siteConnectionString(config, 'site-a'), acknowledged)).toEqual([]);
});

test('labReset returns a failed-over lab (both sites accepting writes, traffic on B) to its initial topology', async () => {
  await runScriptedFailover(config, { from: 'site-a', to: 'site-b' });
  await setCapacity(config, 'site-b', { cpuCores: 1 });
  expect((await labStatus(config)).primaries).toEqual(['site-a', 'site-b']);

  const reset = await labReset(config);
  expect(reset.status.initialTopology).toBe(true);
  expect(reset.actions).toEqual(expect.arrayContaining(['switched over to site-a']));
  expect(await getCapacity(config, 'site-b')).toMatchObject({ cpuCores: config.capacity['site-b'].cpuCores });
  expect(await findMissingSeqs(siteConnectionString(config, 'site-a'), acknowledged)).toEqual([]);
});

test('lab up repairs crashed parts: a kill -9 of the standby postmaster and of the daemon', async () => {
  await fenceSite(config, 'site-b'); // state the restarted daemon must keep
  const standbyPid = sitePostmasterPid(config, 'site-b')!;
  const daemonPid = labDaemonPid(config)!;
  process.kill(standbyPid, 'SIGKILL');
  process.kill(daemonPid, 'SIGKILL');
  while (isProcessAlive(standbyPid) || isProcessAlive(daemonPid)) await sleep(10);
  expect(await waitForPortClosed(config.ports.trafficSwitch)).toBe(true);

  const repaired = await labUp(config);
  expect(repaired.actions).toEqual([
    { part: 'site-a', action: 'reused' },
    { part: 'site-b', action: 'started' },
    { part: 'daemon', action: 'started' },
  ]);
  expect(await getTraffic(config)).toMatchObject({ target: 'site-a', fenced: ['site-b'] });
  await unfenceSite(config, 'site-b');
  const deadline = Date.now() + 10_000;
  while (!(await labStatus(config)).initialTopology && Date.now() < deadline) await sleep(50);
  expect((await labStatus(config)).initialTopology).toBe(true);
});

test('lab up rebuilds a standby whose data folder is gone', async () => {
  await stopCluster(siteCluster(config, 'site-b'), 'immediate');
  rmSync(siteCluster(config, 'site-b').dataDir, { recursive: true, force: true });

  const repaired = await labUp(config);
  expect(repaired.actions).toContainEqual({ part: 'site-b', action: 'rebuilt' });
  const status = await labStatus(config);
  expect(status.initialTopology).toBe(true);
  expect(await findMissingSeqs(siteConnectionString(config, 'site-b'), acknowledged)).toEqual([]);
});

test('lab down leaves no process and no listening port behind', async () => {
  const pids = [sitePostmasterPid(config, 'site-a'), sitePostmasterPid(config, 'site-b'), labDaemonPid(config)];
  expect(pids.every((pid) => pid !== undefined && isProcessAlive(pid))).toBe(true);

  const down = await labDown(config);
  expect(down.stopped).toEqual(expect.arrayContaining(['daemon', 'site-a', 'site-b']));
  expect(down.portsStillOpen).toEqual([]);
  expect(down.removedData).toBe(true);
  for (const pid of pids) expect(isProcessAlive(pid!)).toBe(false);
  for (const port of Object.values(config.ports)) expect(await isPortOpen(config.host, port)).toBe(false);

  expect((await labDown(config)).stopped).toEqual([]); // a second down is a no-op
});
