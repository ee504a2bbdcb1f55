/**
 * verify-dr-capacity against the real lab (its own: port base 26520, /tmp/drillbook-lab-e2e-capacity,
 * beside the drill-cycle test's 26500): it passes on a healthy lab under load, with a read and a write
 * test on a scratch clone that is gone afterwards; it fails, with the reason in the audit trail, when
 * site B's capacity is below the ratio and when replication is stopped.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { loadLabConfig, switchConnectionString, type LabConfig } from '../../lab/config';
import { getCapacity, infraRequest, setCapacity } from '../../lab/infra-client';
import { isPortOpen, labDaemonPid, labDown, labStatus, labUp, sitePostmasterPid } from '../../lab/lab';
import { isProcessAlive } from '../../lab/state';
import { startLoad } from '../../lab/load-generator';
import { withCluster } from '../../lab/postgres-cluster';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import { runLabRunbook } from '../../src/cli/demo/drill-cycle';
import type { RunningWorkers } from '../../src/temporal/worker';
import type { TestApi } from '../support/api';
import { testClient, uniqueQueue } from '../support/temporal';
import { startLabDrillbook, stopLabDrillbook } from '../support/lab-drillbook';
import type { ApiClient } from '../../src/cli/api-client';

const lab: LabConfig = loadLabConfig({ rootDir: '/tmp/drillbook-lab-e2e-capacity', portBase: 26520 });
const taskQueue = uniqueQueue('verify-dr');
let db: Kysely<Database>;
let workers: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
let api: TestApi;
let asOperator: ApiClient;

function verify(params: Record<string, string> = {}) {
  return runLabRunbook({
    api: asOperator,
    client: temporal.client,
    lab,
    runbook: 'verify-dr-capacity',
    mode: 'drill',
    params,
    reason: 'verify-dr-capacity e2e test',
  });
}

async function failureOf(runId: string): Promise<{ failedStep: string | null; error: string; abortReason: string }> {
  const { events } = await getRunStory(db, runId);
  const failed = events.find((e) => e.type === 'step.failed');
  const abort = events.find((e) => e.type === 'run.abort_requested');
  return {
    failedStep: failed?.stepId ?? null,
    error: String((failed?.data as { error?: string } | undefined)?.error ?? ''),
    abortReason: String((abort?.data as { reason?: string } | undefined)?.reason ?? ''),
  };
}

async function waitForStreaming(streaming: boolean): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await labStatus(lab)).replication.streaming !== streaming) {
    if (Date.now() > deadline) throw new Error(`replication did not become ${streaming ? 'streaming' : 'stopped'}`);
    await sleep(50);
  }
}

beforeAll(async () => {
  await labDown(lab);
  await labUp(lab);
  ({ db, workers, temporal, api } = await startLabDrillbook(taskQueue));
  asOperator = await api.clientFor('e2e', ['operator']);
}, 120_000);

afterAll(async () => {
  await stopLabDrillbook({ db, workers, temporal, api }, lab);
}, 60_000);

test('passes on a healthy lab under load: read and write test on a scratch clone, removed afterwards, standby untouched', async () => {
  const load = startLoad({ connectionString: switchConnectionString(lab), ratePerSec: 100 });
  let run: Awaited<ReturnType<typeof verify>>;
  try {
    run = await verify();
  } finally {
    await load.stop();
  }
  expect(run.result).toMatchObject({ state: 'completed', verdict: 'pass' });
  const steps = run.result.steps;
  expect(steps['scratch-read-test'].state).toBe('completed');
  const written = steps['scratch-write-test'].output as { rows: Array<{ seq: string; token: string }> };
  expect(written.rows[0].token).toMatch(/^[0-9a-f-]{36}$/);
  expect(steps['production-untouched'].output).toMatchObject({ rows: [{ leaked: 0, still_standby: true }] });
  expect(steps['drop-scratch-clone'].state).toBe('completed');
  expect(await isPortOpen(lab.host, lab.ports.scratch)).toBe(false);

  const { events } = await getRunStory(db, run.runId);
  // A readiness threshold (maxLagMs), not an RPO objective: payments' RPO is the inventory's, measured by failover-to-dr.
  const lag = steps['record-lag'].output as { lagMs: number | string; targetMs: number | string };
  expect(Number(lag.lagMs)).toBeLessThanOrEqual(Number(lag.targetMs));
  const writeEvidence = events.find((e) => e.type === 'step.completed' && e.stepId === 'scratch-write-test');
  expect(JSON.stringify(writeEvidence?.data)).toContain(written.rows[0].token);
  expect((await labStatus(lab)).initialTopology).toBe(true);
});

test("fails with the reason in the audit trail when site B's capacity is below the ratio", async () => {
  await setCapacity(lab, 'site-b', { maxConnections: 50 });
  try {
    const run = await verify();
    expect(run.result).toMatchObject({ state: 'aborted', verdict: 'fail' });
    const failure = await failureOf(run.runId);
    expect(failure.failedStep).toBe('dr-capacity-covers-peak');
    expect(failure.error).toContain('DR capacity too small: site B allows 50 connections, site A peaks at 120 x ratio 1');
    expect(failure.abortReason).toContain('DR capacity too small');
    // Nothing was cloned: the checks come first.
    expect(run.result.steps['create-scratch-clone'].state).not.toBe('completed');
  } finally {
    await setCapacity(lab, 'site-b', lab.capacity['site-b']);
  }
  expect(await getCapacity(lab, 'site-b')).toMatchObject({ maxConnections: lab.capacity['site-b'].maxConnections });

  // The ratio is the runbook's param: the default capacity does not carry twice site A's peak.
  const doubled = await verify({ capacityRatio: '2' });
  expect(doubled.result.verdict).toBe('fail');
  expect((await failureOf(doubled.runId)).error).toContain('site A peaks at 120 x ratio 2');
});

test('fails with the reason in the audit trail when replication is stopped', async () => {
  // Stop site B's WAL receiver for real (an empty primary_conninfo), and restore it afterwards.
  const standbyPort = lab.ports.siteB;
  const saved = await withCluster(lab, standbyPort, async (client) => (await client.query<{ primary_conninfo: string }>('SHOW primary_conninfo')).rows[0].primary_conninfo);
  expect(saved).toContain(`port=${lab.ports.siteA}`);
  const setConninfo = (value: string) =>
    withCluster(lab, standbyPort, async (client) => {
      await client.query(`ALTER SYSTEM SET primary_conninfo = ${client.escapeLiteral(value)}`);
      await client.query('SELECT pg_reload_conf()');
    });
  await setConninfo('');
  try {
    await waitForStreaming(false);
    const run = await verify();
    expect(run.result).toMatchObject({ state: 'aborted', verdict: 'fail' });
    const failure = await failureOf(run.runId);
    expect(failure.failedStep).toBe('replication-healthy');
    expect(failure.error).toContain('replication stopped: site B has no WAL receiver');
    expect(failure.abortReason).toContain('replication stopped');
    expect(run.result.steps['create-scratch-clone'].state).not.toBe('completed');
  } finally {
    await setConninfo(saved);
  }
  await waitForStreaming(true);
});

test('the infra API refuses to rebuild a site that takes traffic, or from a bad source, and changes nothing', async () => {
  const live = infraRequest(lab, 'site-a', 'POST', '/rebuild-standby', { source: 'site-b' });
  await expect(live).rejects.toMatchObject({ status: 409, message: expect.stringContaining('site-a receives traffic') });
  const self = infraRequest(lab, 'site-b', 'POST', '/rebuild-standby', { source: 'site-b' });
  await expect(self).rejects.toMatchObject({ status: 400, message: expect.stringContaining('source') });
  const unknown = infraRequest(lab, 'site-b', 'POST', '/rebuild-standby', { source: 'site-c' });
  await expect(unknown).rejects.toMatchObject({ status: 400, message: expect.stringContaining('source') });
  // Site B already streams from site A: a rebuild is a no-op, as a retried runbook step needs.
  expect(await infraRequest(lab, 'site-b', 'POST', '/rebuild-standby', { source: 'site-a' })).toMatchObject({ rebuilt: false });
  // Dropping a clone that is not there is a no-op too.
  expect(await infraRequest(lab, 'site-b', 'DELETE', '/scratch-clone')).toMatchObject({ wasRunning: false, dropped: true });
  expect((await labStatus(lab)).initialTopology).toBe(true);
});

test('the CLI: `lab status` reads this lab, `lab down` leaves no process and no port behind', async () => {
  const cli = path.join(__dirname, '..', '..', 'bin', 'drillbook.js');
  const env = { ...process.env, DRILLBOOK_LAB_DIR: lab.rootDir, DRILLBOOK_LAB_PORT_BASE: String(lab.ports.siteA) };
  const drillbook = (...args: string[]) => promisify(execFile)(process.execPath, [cli, ...args], { env });
  const status = JSON.parse((await drillbook('lab', 'status', '--json')).stdout);
  expect(status).toMatchObject({ rootDir: lab.rootDir, initialTopology: true });

  const pids = [sitePostmasterPid(lab, 'site-a'), sitePostmasterPid(lab, 'site-b'), labDaemonPid(lab)];
  expect(pids.every((pid) => pid !== undefined)).toBe(true);
  const down = JSON.parse((await drillbook('lab', 'down', '--json')).stdout);
  expect(down).toMatchObject({ portsStillOpen: [], removedData: true });
  expect(down.stopped).toEqual(expect.arrayContaining(['daemon', 'site-a', 'site-b']));
  for (const pid of pids) expect(isProcessAlive(pid!)).toBe(false);
  for (const port of Object.values(lab.ports)) expect(await isPortOpen(lab.host, port)).toBe(false);
});
