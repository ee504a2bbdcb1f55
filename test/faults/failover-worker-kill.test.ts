/**
 * Fault: the worker running `failover-to-dr` (a drill, under load through the traffic switch) is
 * SIGKILLed at a precise point, on a DR lab of its own (port base 27300, /tmp/drillbook-fault-failover).
 * The point is made exact, not raced: site A's and site B's infra APIs and the webhook are reached
 * through a loopback proxy (test/support/holding-proxy.ts) that holds one request — the worker is
 * killed while it waits for it. Then a new worker is started and the run must end completed, with:
 * site B promoted once (one new timeline), one site taking writes (traffic on site B, site A fenced,
 * no acknowledged write lost: a write site A had taken after the fence would be missing at site B),
 * each transition once in the trail, and `audit verify` ok. restore-primary puts the lab back
 * between the cases.
 *
 * The points: before the first precheck (the run's start), at the cutover's fence before it reached
 * the API (prechecks done, nothing cut over), inside the cutover between fence and promote (site A
 * fenced, the worker never heard so), between promote and switch (site B a primary, the traffic
 * still pointing at site A), and at `announce` (the cutover and record-rpo done). The boundaries
 * between record-rpo and announce, and after announce, are not separate cases: they are reached in a
 * few milliseconds and behave as the announce case (a step completed, the next not started).
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { infraApiUrl, loadLabConfig, siteConnectionString, switchConnectionString, type LabConfig } from '../../lab/config';
import { labStatus, labUp, labDown } from '../../lab/lab';
import { startLoad } from '../../lab/load-generator';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import type { ApiClient } from '../../src/cli/api-client';
import { RUNBOOKS_DIR, runLabRunbook } from '../../src/cli/demo/drill-cycle';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/cli/demo/webhook-receiver';
import { projectRoot } from '../../src/config/paths';
import { startTestApi, type TestApi } from '../support/api';
import { cliEnv, runCli } from '../support/cli';
import { destroyTestDb, isolatedTestDb, testDbUrl } from '../support/db';
import { startHoldingProxy, type HoldingProxy, type HoldPoint } from '../support/holding-proxy';
import { testClient, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { killWorkerProcess, startWorkerProcess } from '../support/worker-process';

const lab: LabConfig = loadLabConfig({ rootDir: '/tmp/drillbook-fault-failover', portBase: 27300 });
const taskQueue = uniqueQueue('fault-failover');
let db: Kysely<Database>;
let client: Client;
let closeClient: (() => Promise<void>) | undefined;
let api: TestApi;
let webhook: WebhookReceiver;
let proxies: { siteA: HoldingProxy; siteB: HoldingProxy; webhook: HoldingProxy };
let asOperator: ApiClient;

const startWorker = () => startWorkerProcess(taskQueue, { DATABASE_URL: testDbUrl(db) });

beforeAll(async () => {
  await labDown(lab); // leftovers of an interrupted earlier run
  await labUp(lab);
  db = await isolatedTestDb();
  ({ client, close: closeClient } = await testClient());
  // The API starts runs on the queue; only the worker processes poll it.
  api = await startTestApi(db, client, taskQueue);
  webhook = await startWebhookReceiver();
  proxies = {
    siteA: await startHoldingProxy(infraApiUrl(lab, 'site-a')),
    siteB: await startHoldingProxy(infraApiUrl(lab, 'site-b')),
    webhook: await startHoldingProxy(new URL(webhook.url).origin),
  };
  asOperator = await api.clientFor('olga-fault-failover', ['operator']);
  const admin = await api.clientFor('adam-fault-failover', ['admin']);
  // restore-primary runs in failback mode: only from a registered runbook version.
  const file = path.relative(projectRoot, path.join(RUNBOOKS_DIR, 'restore-primary.yaml'));
  await admin.post('/api/runbooks', { runbook: readFileSync(path.join(projectRoot, file), 'utf8'), file, reason: 'reviewed for the failover worker-kill fault test' });
}, 180_000);

afterAll(async () => {
  for (const proxy of Object.values(proxies ?? {})) await proxy.close();
  await api?.close();
  await webhook?.close();
  await closeClient?.();
  if (db) await destroyTestDb(db);
  await labDown(lab);
  rmSync(lab.rootDir, { recursive: true, force: true });
}, 120_000);

/** Timelines site B's cluster knows (its WAL folder's history files): a promotion adds exactly one. */
async function siteBTimelines(): Promise<number> {
  const pg = new PgClient({ connectionString: siteConnectionString(lab, 'site-b') });
  await pg.connect();
  try {
    const { rows } = await pg.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{8}\\.history$'`);
    return rows[0].n;
  } finally {
    await pg.end();
  }
}

/** The run's status in the trail once it no longer runs (completed, paused for a person, aborted). */
async function settled(runId: string): Promise<string> {
  let status = 'running';
  await waitFor(async () => {
    status = (await getRunStory(db, runId)).run?.status ?? 'running';
    return status !== 'running';
  }, 180_000);
  return status;
}

interface KillPoint {
  name: string;
  proxy: keyof typeof proxies;
  method: string;
  path: string;
  point: HoldPoint;
  /** What the lab must show while the request is held (the place the worker dies at). */
  labAtKill: { target: string; fenced: string[]; siteBPrimary: boolean };
}

const KILL_POINTS: KillPoint[] = [
  { name: 'before the first precheck', proxy: 'siteA', method: 'GET', path: '/health', point: 'before-forwarding', labAtKill: { target: 'site-a', fenced: [], siteBPrimary: false } },
  { name: 'prechecks done, before the fence', proxy: 'siteB', method: 'POST', path: '/fence', point: 'before-forwarding', labAtKill: { target: 'site-a', fenced: [], siteBPrimary: false } },
  { name: 'inside the cutover: fenced, not promoted', proxy: 'siteB', method: 'POST', path: '/fence', point: 'before-answering', labAtKill: { target: 'site-a', fenced: ['site-a'], siteBPrimary: false } },
  { name: 'inside the cutover: promoted, not switched', proxy: 'siteB', method: 'POST', path: '/traffic/switch', point: 'before-forwarding', labAtKill: { target: 'site-a', fenced: ['site-a'], siteBPrimary: true } },
  { name: 'cutover and record-rpo done, at announce', proxy: 'webhook', method: 'POST', path: '/notify', point: 'before-forwarding', labAtKill: { target: 'site-b', fenced: ['site-a'], siteBPrimary: true } },
];

test.each(KILL_POINTS)('worker SIGKILLed $name: a new worker completes the drill, one promote, one site taking writes, each event once', async (kill) => {
  expect((await labStatus(lab)).initialTopology).toBe(true);
  const timelinesBefore = await siteBTimelines();
  const first = startWorker();
  const seenBefore = proxies[kill.proxy].seen.length;
  const load = startLoad({ connectionString: switchConnectionString(lab), ratePerSec: 50 });
  let runId: string | undefined;
  let status: string;
  let second: ReturnType<typeof startWorker> | undefined;
  try {
    const held = proxies[kill.proxy].hold(kill.method, kill.path, kill.point);
    // Started through the API as an operator would; the result is read from the trail (the handle's result would wait through a pause).
    const started = runLabRunbook({
      api: asOperator,
      client,
      lab,
      runbook: 'failover-to-dr',
      mode: 'drill',
      webhook: `${proxies.webhook.url}/notify`,
      params: { siteA: proxies.siteA.url, siteB: proxies.siteB.url },
      reason: `fault test: worker killed ${kill.name}`,
      onStarted: (id) => {
        runId = id;
      },
      follow: async () => ({}) as never,
    });
    const request = await Promise.race([held, started.then(() => held)]);
    const at = await labStatus(lab);
    expect([at.trafficSwitch.target, at.trafficSwitch.fenced, at.primaries.includes('site-b')]).toEqual([kill.labAtKill.target, kill.labAtKill.fenced, kill.labAtKill.siteBPrimary]);
    await killWorkerProcess(first);
    request.release(); // its caller is gone: dropped, never answered
    expect(runId).toBeDefined();

    second = startWorker();
    status = await settled(runId!);
  } finally {
    const report = await load.stop();
    // One site took writes: every acknowledged write is at site B (the primary the switch points at at the end).
    expect(report.verified).toBe(true);
    expect(report.missingCommitted).toEqual([]);
  }
  const story = await getRunStory(db, runId!);
  if (status !== 'completed') console.log(JSON.stringify(await asOperator.get(`/api/runs/${runId}`), null, 1));
  expect([status, story.run?.verdict]).toEqual(['completed', 'pass']);

  // The held request was sent again by the new worker: the killed one's was dropped, unanswered.
  expect(proxies[kill.proxy].seen.slice(seenBefore).filter((r) => r === `${kill.method} ${kill.path}`)).toHaveLength(2);

  // Promoted once: one new timeline at site B, one promote recorded that promoted (a repeat finds a primary and says so);
  // the traffic on site B, site A fenced.
  expect(await siteBTimelines()).toBe(timelinesBefore + 1);
  const promoted = story.events.find((e) => e.type === 'step.completed' && e.stepId === 'promote-standby');
  expect((promoted?.data as { evidence?: Record<string, unknown> }).evidence).toMatchObject({ promoted: true, alreadyPrimary: false });
  const after = await labStatus(lab);
  expect([after.trafficSwitch.target, after.trafficSwitch.fenced]).toEqual(['site-b', ['site-a']]);

  // Each transition once: one start and end of the run, of each step; every key once.
  const count = (type: string, stepId?: string) => story.events.filter((e) => e.type === type && (stepId === undefined || e.stepId === stepId)).length;
  expect([count('run.started'), count('run.completed')]).toEqual([1, 1]);
  for (const type of ['step.started', 'step.completed']) {
    const steps = story.events.filter((e) => e.type === type).map((e) => e.stepId);
    expect([type, steps.length]).toEqual([type, new Set(steps).size]);
  }
  for (const id of ['fence-primary', 'primary-wal-end', 'standby-replayed-all', 'promote-standby', 'switch-traffic', 'verify-dr-write', 'record-rpo', 'announce']) {
    expect([id, count('step.completed', id)]).toEqual([id, 1]);
  }
  expect(new Set(story.events.map((e) => e.key)).size).toBe(story.events.length);
  const verify = await runCli(['audit', 'verify', '--run', runId!], { env: cliEnv(db) });
  expect([verify.code, verify.stderr]).toEqual([0, '']);

  // Back to the initial topology for the next case.
  const restore = await runLabRunbook({ api: asOperator, client, lab, runbook: 'restore-primary', mode: 'failback', webhook: webhook.url, reason: 'fault test: restore between cases' });
  expect(restore.result).toMatchObject({ state: 'completed', verdict: 'pass' });
  expect((await labStatus(lab)).initialTopology).toBe(true);
  await killWorkerProcess(second!); // the next case's worker must be the only one polling
}, 150_000);
