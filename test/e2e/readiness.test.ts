/**
 * Continuous readiness against the real lab (its own: port base 27200, /tmp/drillbook-lab-e2e-readiness):
 * `dr-readiness` registered, the inventory applied with `readiness.every: 2s` and its readiness
 * schedule made by `drillbook schedule create`; the schedule's evaluations record it ready once;
 * stopping site B's replication turns it not ready within one interval, recorded once (and still once
 * two intervals later), shown with why by the projection, `drillbook readiness` and the API;
 * resuming it turns it ready again, recorded once. The programme worker's notification dispatcher
 * tells the service's owner (a loopback webhook) of the red once, and of nothing else.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { infraApiUrl, loadLabConfig, type LabConfig } from '../../lab/config';
import { resumeReplication, stopReplication } from '../../lab/faults';
import { labDown, labStatus, labUp } from '../../lab/lab';
import type { Database } from '../../src/audit/database';
import { readinessScheduleId } from '../../src/plan/readiness';
import { READINESS_CHAIN } from '../../src/readiness/record';
import { readinessDb } from '../../src/readiness/tables';
import { programmeTaskQueue, startProgrammeWorker } from '../../src/temporal/programme-worker';
import type { RunningWorkers } from '../../src/temporal/worker';
import type { TestApi } from '../support/api';
import { cliEnv, projectDir, runCli } from '../support/cli';
import { startLabDrillbook, stopLabDrillbook } from '../support/lab-drillbook';
import { temporalAddress, testClient, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { inventoryDir, inventoryText, SVC_SERVICE } from '../support/inventory';

const lab: LabConfig = loadLabConfig({ rootDir: '/tmp/drillbook-lab-e2e-readiness', portBase: 27200 });
const taskQueue = uniqueQueue('readiness');
const INTERVAL_MS = 2_000;
const scheduleId = readinessScheduleId('payments');
let db: Kysely<Database>;
let workers: RunningWorkers;
let programme: RunningWorkers;
let temporal: Awaited<ReturnType<typeof testClient>>;
let api: TestApi;
let env: NodeJS.ProcessEnv;
let auditor: string;
let hook: http.Server;
let hookUrl: string;
/** What the owner's webhook received: each notice's body. */
const notices: { kind: string; runbook?: string; event?: { type: string } }[] = [];

const changes = async () =>
  (await db.selectFrom('audit_events').select(['data', 'at']).where('chain_id', '=', READINESS_CHAIN).where('type', '=', 'readiness.changed').orderBy('seq').execute()).map(
    (e) => e.data as { service: string; runbook: string; ready: boolean; previous: boolean | null; since: string; failing?: { check: string; output: string } },
  );
const state = () => readinessDb(db).selectFrom('readiness_states').selectAll().where('runbook', '=', 'dr-readiness').executeTakeFirst();

/** Waits until the schedule has evaluated `n` more times than now. */
async function evaluations(n: number): Promise<void> {
  const seen: number[] = [];
  await waitFor(async () => {
    const at = (await state())?.last_evaluated_at.getTime();
    if (at !== undefined && !seen.includes(at)) seen.push(at);
    return seen.length > n;
  }, (n + 2) * INTERVAL_MS + 10_000);
}

beforeAll(async () => {
  await labDown(lab);
  await labUp(lab);
  hook = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      notices.push(JSON.parse(text));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/owner`;
  ({ db, workers, temporal, api } = await startLabDrillbook(taskQueue));
  programme = await startProgrammeWorker({ address: temporalAddress(), namespace: 'default', taskQueue: programmeTaskQueue(taskQueue), db, notifications: { pollMs: 200 } });
  auditor = await api.tokenFor('audrey', ['auditor']);
  env = cliEnv(db, { DRILLBOOK_TASK_QUEUE: taskQueue, DRILLBOOK_API_URL: api.url });
  // An admin registers dr-readiness for real use: the registered version is the one evaluated.
  const admin = await api.clientFor('root', ['admin']);
  const file = path.join(projectDir, 'runbooks', 'dr-readiness.yaml');
  await admin.post('/api/runbooks', { runbook: readFileSync(file, 'utf8'), file: 'runbooks/dr-readiness.yaml', reason: 'readiness e2e test' });
  // The inventory gives the runbook its sites (it has no defaults for them) and a short interval.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'drillbook-readiness-'));
  writeFileSync(
    path.join(dir, 'inventory.yaml'),
    `apiVersion: drillbook/v1
kind: ServiceInventory
services:
  - name: payments
    owner: infra-payments@bank.example
    notify: ${hookUrl}
    criticality: critical
    sites: [site-a, site-b]
    objectives: { rto: 30s, rpo: 0s }
    readiness: { every: 2s }
    runbooks:
      - file: ${file}
        params: { siteA: "${infraApiUrl(lab, 'site-a')}", siteB: "${infraApiUrl(lab, 'site-b')}", webhook: "http://127.0.0.1:9/notify" }
`,
  );
  const applied = await runCli(['inventory', 'apply', 'inventory.yaml', '--json'], { cwd: dir, env });
  expect(applied.stderr).toBe('');
  expect(applied.code).toBe(0);
  const created = await runCli(['schedule', 'create', 'inventory.yaml', '--service', 'payments', '--no-coverage'], { cwd: dir, env });
  expect(created.code).toBe(0);
  expect(created.stdout).toMatch(new RegExp(`^(created|updated) ${scheduleId} \\(readiness every 2s\\)$`, 'm'));
}, 180_000);

afterAll(async () => {
  await temporal?.client.schedule.getHandle(scheduleId).delete().catch(() => undefined);
  await programme?.shutdown();
  await new Promise((resolve) => hook?.close(resolve));
  await stopLabDrillbook({ db, workers, temporal, api }, lab);
}, 60_000);

test('stopping the standby\'s replication turns dr-readiness red within one interval, recorded once; resuming turns it green, recorded once', async () => {
  const described = await temporal.client.schedule.getHandle(scheduleId).describe();
  expect(described.spec.intervals).toEqual([expect.objectContaining({ every: INTERVAL_MS })]);

  // Healthy: ready, recorded once, however many evaluations follow.
  await waitFor(async () => (await changes()).length > 0, 30_000);
  await evaluations(2);
  expect(await changes()).toEqual([expect.objectContaining({ service: 'payments', runbook: 'dr-readiness', ready: true, previous: null })]);
  expect(await state()).toMatchObject({ state: 'ready', why: null });

  // Site B's WAL receiver stopped: red at the next evaluation.
  const stopped = await stopReplication(lab);
  expect((await labStatus(lab)).replication.streaming).toBe(false);
  const stoppedAt = Date.now();
  await waitFor(async () => (await changes()).length > 1, 3 * INTERVAL_MS + 10_000);
  const tookMs = Date.now() - stoppedAt;
  // One interval, plus a workflow start and the probes.
  expect(tookMs).toBeLessThan(INTERVAL_MS + 3_000);
  await evaluations(2);
  const red = await changes();
  expect(red).toHaveLength(2);
  expect(red[1]).toMatchObject({ ready: false, previous: true, failing: { check: 'dr-replicating', output: expect.stringContaining('"streaming":false') } });
  const row = await state();
  expect(row).toMatchObject({ service: 'payments', state: 'not-ready', why: { check: 'dr-replicating' } });
  expect(row!.since.toISOString()).toBe(red[1].since);
  expect(row!.last_evaluated_at.getTime()).toBeGreaterThan(row!.since.getTime());

  // `drillbook readiness` and the API (an auditor's token) show it, since when and why.
  const cli = await runCli(['readiness'], { env: { ...env, DRILLBOOK_TOKEN: auditor } });
  expect(cli.code).toBe(0);
  expect(cli.stdout).toMatch(new RegExp(`payments +dr-readiness +not-ready +since ${red[1].since.replace(/\./g, '\\.')} +evaluated \\S+\\n {2}pre-check "dr-replicating" failed: expectation "output.json.streaming == true" not met`));
  const read = await fetch(`${api.url}/api/readiness`, { headers: { authorization: `Bearer ${auditor}` } });
  const { runbooks } = (await read.json()) as { runbooks: Record<string, unknown>[] };
  expect(runbooks).toEqual([expect.objectContaining({ service: 'payments', runbook: 'dr-readiness', state: 'not-ready', since: red[1].since, why: expect.objectContaining({ check: 'dr-replicating' }) })]);

  // Repaired: green at the next evaluation, recorded once.
  await resumeReplication(lab, { site: stopped.site });
  await waitFor(async () => (await changes()).length > 2, 3 * INTERVAL_MS + 10_000);
  await evaluations(2);
  expect((await changes()).map((c) => [c.ready, c.previous])).toEqual([[true, null], [false, true], [true, false]]);
  expect(await state()).toMatchObject({ state: 'ready', why: null });
  // The owner heard of the red once (green and the first ready are not news to page anyone for).
  await waitFor(async () => notices.some((n) => n.kind === 'readiness-red'), 10_000);
  await new Promise((r) => setTimeout(r, 1_000));
  const readinessNotices = notices.filter((n) => n.event?.type === 'readiness.changed');
  expect(readinessNotices.map((n) => [n.kind, n.runbook])).toEqual([['readiness-red', 'dr-readiness']]);
  expect((await labStatus(lab)).initialTopology).toBe(true);
});

test('schedule create keeps one readiness schedule per listed service and deletes those of services no longer listed', async () => {
  const dir = inventoryDir('drillbook-readiness-other-');
  writeFileSync(path.join(dir, 'inventory.yaml'), inventoryText(SVC_SERVICE));
  const created = await runCli(['schedule', 'create', 'inventory.yaml', '--no-coverage', '--json'], { cwd: dir, env });
  expect(created.code).toBe(0);
  const done = JSON.parse(created.stdout) as { scheduleId: string; action: string; everyMs?: number }[];
  expect(done).toEqual(
    expect.arrayContaining([
      { scheduleId: readinessScheduleId('svc'), action: 'created', everyMs: 15 * 60_000 },
      { scheduleId, action: 'deleted' },
    ]),
  );
  await expect(temporal.client.schedule.getHandle(scheduleId).describe()).rejects.toThrow();
  await temporal.client.schedule.getHandle(readinessScheduleId('svc')).delete();
});
