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
 *
 * Then two faults of the lab itself, here because they need a lab and this file's is the one port
 * base these faults may use (jest runs files side by side): site A's postmaster SIGKILLed while a
 * guarded run waits (the guard sees it, the run pauses and starts nothing more; the operator aborts),
 * and a slow infra API (it answers after the step's timeout: the step times out on each attempt its
 * retry allows, the runbook's `onFailure: abort` aborts, and the fence's compensation still runs).
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import { infraApiUrl, loadLabConfig, siteConnectionString, switchConnectionString, type LabConfig } from '../../lab/config';
import { labStatus, labUp, labDown } from '../../lab/lab';
import { killPrimary } from '../../lab/faults';
import { startLoad } from '../../lab/load-generator';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import type { ApiClient } from '../../src/cli/api-client';
import { startRunViaApi } from '../../src/cli/api-runs';
import { RUNBOOKS_DIR, runLabRunbook } from '../../src/cli/demo/drill-cycle';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/cli/demo/webhook-receiver';
import { projectRoot } from '../../src/config/paths';
import { startTestApi, type TestApi } from '../support/api';
import { cliEnv, runCli } from '../support/cli';
import { destroyTestDb, isolatedTestDb, testDbUrl } from '../support/db';
import { runbookHeader } from '../support/runbooks';
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

/** The run's status in the trail once it no longer runs (completed, paused for a person, aborted); says what it saw if it never does. */
async function settled(runId: string, timeoutMs = 180_000): Promise<string> {
  let status = 'running';
  await waitFor(async () => {
    status = (await getRunStory(db, runId)).run?.status ?? 'running';
    return status !== 'running';
  }, timeoutMs).catch(async (error: Error) => {
    const story = await getRunStory(db, runId);
    throw new Error(`${error.message}: run ${runId} ${status}, events ${story.events.map((e) => `${e.type}${e.stepId ? ` ${e.stepId}` : ''}`).join(', ')}`);
  });
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

/** Each transition once: one start of the run, of each step; every key once. */
function expectEachEventOnce(events: Array<{ type: string; stepId?: string | null; key: string }>): void {
  expect(events.filter((e) => e.type === 'run.started')).toHaveLength(1);
  for (const type of ['step.started', 'step.completed', 'step.failed']) {
    const steps = events.filter((e) => e.type === type).map((e) => e.stepId);
    expect([type, steps.length]).toEqual([type, new Set(steps).size]);
  }
  expect(new Set(events.map((e) => e.key)).size).toBe(events.length);
}

/** Starts `yaml` (a drill) through the API as the operator. */
async function startDrill(name: string, yaml: string, params: Record<string, string>): Promise<string> {
  const started = await startRunViaApi(asOperator, { runbook: yaml, file: `test/faults/${name}.yaml`, mode: 'drill', params, reason: `fault test: ${name}` });
  return started.runId;
}

const GUARDED = `${runbookHeader('guarded-by-primary', { objectives: null })}params:
  siteA: { type: string }
guards:
  - id: primary-healthy
    title: Site A keeps answering as a primary
    probe: { adapter: http, input: { method: GET, url: "\${{ params.siteA }}/health" } }
    expect: output.json.status == 'ok' && output.json.postgres.role == 'primary'
    every: 1s
    onViolation: pause
steps:
  - id: before
    title: before
    kind: action
    action: { adapter: noop, input: {} }
  - id: soak
    title: the drill goes on for a while
    kind: wait
    needs: [before]
    duration: 8s
  - id: after
    title: must not start while the guard is violated
    kind: action
    needs: [soak]
    action: { adapter: noop, input: {} }
`;

const SLOW_SWITCH = `${runbookHeader('slow-infra-api', { objectives: null })}params:
  siteB: { type: string }
  slowSiteB: { type: string }
steps:
  - id: fence-primary
    title: Fence site A
    kind: action
    action: { adapter: http, input: { method: POST, url: "\${{ params.siteB }}/fence", body: { site: site-a }, expect: { json: { fenced: true } } } }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.siteB }}/unfence", body: { site: site-a } } }
  - id: read-switch
    title: Read the traffic switch (its API answers late)
    kind: action
    needs: [fence-primary]
    timeout: 1s
    retry: { attempts: 2, interval: 500ms }
    onFailure: abort
    action: { adapter: http, input: { method: GET, url: "\${{ params.slowSiteB }}/traffic" } }
`;

describe("the lab's own faults during a run", () => {
  let worker: ReturnType<typeof startWorker>;
  beforeAll(() => {
    worker = startWorker();
  });
  afterAll(async () => {
    await killWorkerProcess(worker);
  });

  test('a slow infra API (it answers after the step timeout): each attempt times out, the runbook aborts, the fence is undone', async () => {
    expect((await labStatus(lab)).trafficSwitch.fenced).toEqual([]);
    proxies.siteB.slow('GET', '/traffic', 3_000);
    const seenBefore = proxies.siteB.seen.length;
    try {
      const runId = await startDrill('slow-infra-api', SLOW_SWITCH, { siteB: infraApiUrl(lab, 'site-b'), slowSiteB: proxies.siteB.url });
      expect(await settled(runId, 60_000)).toBe('aborted');
      const story = await getRunStory(db, runId);
      // Two attempts (the runbook's retry), each cut by the 1 s timeout, then the step failed and the run aborted.
      expect(proxies.siteB.seen.slice(seenBefore).filter((r) => r === 'GET /traffic')).toHaveLength(2);
      const of = (type: string) => story.events.filter((e) => e.type === type).map((e) => e.stepId);
      expect([of('step.attempt_failed'), of('step.retried'), of('step.failed')]).toEqual([['read-switch', 'read-switch'], ['read-switch'], ['read-switch']]);
      // Each attempt's failure says its timeout passed (not the SDK's bare NOT_FOUND).
      for (const e of story.events.filter((ev) => ev.type === 'step.attempt_failed')) expect((e.data as { error: string }).error).toMatch(/^the attempt's timeout passed/);
      const failed = story.events.find((e) => e.type === 'step.failed');
      expect(failed?.data).toMatchObject({ error: expect.stringContaining('StartToClose timeout'), onFailure: 'abort' });
      // The fence's compensation ran: site A unfenced again.
      expect(story.events.filter((e) => e.type === 'compensation.completed').map((e) => e.stepId)).toEqual(['fence-primary']);
      expect((await labStatus(lab)).trafficSwitch.fenced).toEqual([]);
      expectEachEventOnce(story.events);
      expect((await runCli(['audit', 'verify', '--run', runId], { env: cliEnv(db) })).code).toBe(0);
    } finally {
      proxies.siteB.slow('GET', '/traffic', 0);
    }
  }, 120_000);

  test("site A's postmaster SIGKILLed while a guarded drill runs: the guard sees it, the run pauses and starts nothing more; an abort ends it", async () => {
    expect((await labStatus(lab)).initialTopology).toBe(true);
    const runId = await startDrill('guarded-by-primary', GUARDED, { siteA: infraApiUrl(lab, 'site-a') });
    await waitFor(async () => (await getRunStory(db, runId)).events.some((e) => e.type === 'step.started' && e.stepId === 'soak'), 60_000);
    const fault = await killPrimary(lab, { site: 'site-a' });
    expect(fault).toMatchObject({ fault: 'kill-primary', site: 'site-a' });

    // The guard's violation is in the trail within a few of its probes; the run is paused for a person.
    await waitFor(async () => (await getRunStory(db, runId)).events.some((e) => e.type === 'guard.violated'), 30_000);
    // The run's live view (the API's, from Temporal) says it is paused, and why.
    let view: { progress?: { state: string; awaitingDecision?: { stepId: string; error: string }; guards: Array<{ id: string; state: string }>; steps: Array<{ id: string; state: string }> } } = {};
    await waitFor(async () => {
      view = await asOperator.get(`/api/runs/${runId}`);
      return view.progress?.state === 'paused';
    }, 30_000);
    expect(view.progress!.awaitingDecision).toMatchObject({ stepId: 'guard:primary-healthy', error: expect.stringContaining('"status":"down"') });
    expect(view.progress!.guards).toEqual([expect.objectContaining({ id: 'primary-healthy', state: 'violated' })]);
    expect(view.progress!.steps.find((st) => st.id === 'after')?.state).toBe('pending');
    // The wait ends; nothing after it starts while the decision is open.
    await new Promise((r) => setTimeout(r, 9_000));
    let story = await getRunStory(db, runId);
    expect(story.events.some((e) => e.stepId === 'after')).toBe(false);

    await asOperator.post(`/api/runs/${runId}/steps/guard:primary-healthy/decide`, { decision: 'abort', reason: 'site A crashed' });
    expect(await settled(runId, 30_000)).toBe('aborted');
    story = await getRunStory(db, runId);
    expect(story.events.some((e) => e.stepId === 'after')).toBe(false);
    expect(story.events.filter((e) => e.type === 'guard.violated')).toHaveLength(1);
    expectEachEventOnce(story.events);
    expect((await runCli(['audit', 'verify', '--run', runId], { env: cliEnv(db) })).code).toBe(0);

    // Site A's cluster restarts from its crash (recovery), as the primary with site B streaming.
    await labUp(lab);
    await waitFor(async () => (await labStatus(lab)).initialTopology, 60_000);
  }, 120_000);
});
