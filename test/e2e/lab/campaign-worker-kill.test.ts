/**
 * Durability of a campaign (docs/campaigns.md), on a DR lab of its own (port base 27100,
 * /tmp/drillbook-lab-e2e-campaign-kill): the semiannual campaign (runbooks/campaigns/semiannual.yaml)
 * is started through the API; its worker is a process of its own, SIGKILLed while the campaign's
 * second phase runs; a new worker picks the campaign and the phase up, and the campaign completes
 * with a pass. Every phase's events and the campaign's own are in the trail exactly once, every
 * chain verifies (`audit verify`), and the lab is back in its initial topology.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { loadLabConfig, type LabConfig } from '../../../lab/config';
import { labDown, labStatus, labUp } from '../../../lab/lab';
import type { Database } from '../../../src/audit/database';
import { getRunStory } from '../../../src/audit/run-story';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import type { ApiClient } from '../../../src/cli/api-client';
import { labRunbookParams } from '../../../src/cli/demo/drill-cycle';
import { startWebhookReceiver, type WebhookReceiver } from '../../../src/cli/demo/webhook-receiver';
import { projectRoot } from '../../../src/config/paths';
import { startTestApi, type TestApi } from '../../support/api';
import { destroyTestDb, isolatedTestDb, testDbUrl } from '../../support/db';
import { temporalAddress, testClient, uniqueQueue } from '../../support/temporal';
import { waitFor } from '../../support/wait-for';

const lab: LabConfig = loadLabConfig({ rootDir: '/tmp/drillbook-lab-e2e-campaign-kill', portBase: 27100 });
const taskQueue = uniqueQueue('campaign-kill');
const cli = path.join(projectRoot, 'bin', 'drillbook.js');
const campaignFile = path.join(projectRoot, 'runbooks', 'campaigns', 'semiannual.yaml');
let db: Kysely<Database>;
let client: Client;
let closeClient: (() => Promise<void>) | undefined;
let api: TestApi;
let webhook: WebhookReceiver;
let asOperator: ApiClient;
const workers: ChildProcess[] = [];

/** `drillbook worker` as a process of its own on the test's queue and database. */
function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, [cli, 'worker'], {
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(), DRILLBOOK_TASK_QUEUE: taskQueue, DATABASE_URL: testDbUrl(db) },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Say why, if the worker dies of something other than the test's SIGKILL.
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[worker ${child.pid}] ${chunk}`));
  workers.push(child);
  return child;
}

async function stopWorker(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

beforeAll(async () => {
  if (!existsSync(path.join(projectRoot, 'dist', 'src', 'cli', 'main.js'))) {
    throw new Error('dist/ is missing: `npm test` builds it (scripts/setup.sh); run `npm run build` first');
  }
  await labDown(lab); // leftovers of an interrupted earlier run
  await labUp(lab);
  db = await isolatedTestDb();
  ({ client, close: closeClient } = await testClient());
  // The API starts campaigns on the queue; only the worker processes poll it.
  api = await startTestApi(db, client, taskQueue);
  webhook = await startWebhookReceiver();
  asOperator = await api.clientFor('olga-campaign-kill', ['operator']);
}, 180_000);

afterAll(async () => {
  for (const w of workers) await stopWorker(w, 'SIGKILL');
  await api?.close();
  await webhook?.close();
  await closeClient?.();
  if (db) await destroyTestDb(db);
  await labDown(lab);
  rmSync(lab.rootDir, { recursive: true, force: true });
}, 120_000);

test('the worker is SIGKILLed during the second phase; a new one finishes the campaign with a pass, each event once', async () => {
  expect((await labStatus(lab)).initialTopology).toBe(true);
  const first = startWorkerProcess();

  const campaign = readFileSync(campaignFile, 'utf8');
  const refs = [...campaign.matchAll(/^\s+runbook: (\S+)$/gm)].map((m) => m[1]);
  expect(refs).toHaveLength(3);
  const runbooks = Object.fromEntries(refs.map((ref) => [ref, readFileSync(path.resolve(path.dirname(campaignFile), ref), 'utf8')]));
  const started = await asOperator.post<{ campaignId: string; phases: string[] }>('/api/campaigns', {
    campaign,
    file: path.relative(projectRoot, campaignFile),
    runbooks,
    params: labRunbookParams(lab, webhook.url),
    reason: 'campaign worker-kill e2e test',
  });
  const { campaignId, phases } = started;
  expect(phases).toEqual(['failover', 'verify-capacity', 'restore']);
  const second = `${campaignId}.${phases[1]}`;

  // The second phase runs once its run's start is in the trail; then the worker dies.
  await waitFor(async () => (await getRunStory(db, second)).events.some((e) => e.type === 'run.started'), 240_000);
  await stopWorker(first, 'SIGKILL');
  const atKill = await getRunStory(db, second);
  expect(atKill.run?.status).toBe('running');

  startWorkerProcess();
  let answer: { campaign: { state: string; verdict: string | null; phases: Array<{ id: string; state: string; execution: number; runId?: string }> } };
  const deadline = Date.now() + 300_000;
  for (;;) {
    answer = await asOperator.get(`/api/campaigns/${campaignId}`);
    if (answer.campaign.state === 'completed' || answer.campaign.state === 'aborted' || answer.campaign.state === 'paused') break;
    if (Date.now() > deadline) throw new Error(`campaign still ${answer.campaign.state} after 5 minutes`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // Say why, when it did not complete (a paused phase says which step failed).
  if (answer.campaign.state !== 'completed') console.log(JSON.stringify(answer.campaign, null, 1));
  expect(answer.campaign).toMatchObject({ state: 'completed', verdict: 'pass' });
  // No phase ran twice: the killed phase went on, it was not retried as a new execution.
  expect(answer.campaign.phases.map((p) => [p.id, p.state, p.execution, p.runId])).toEqual(phases.map((id) => [id, 'completed', 1, `${campaignId}.${id}`]));

  // The campaign's own chain: each phase started and ended once, one start and one end.
  const own = await getRunStory(db, campaignId);
  const ownTypes = own.events.map((e) => (e.stepId ? `${e.type} ${e.stepId}` : e.type));
  expect(ownTypes).toEqual(['run.started', ...phases.flatMap((id) => [`campaign.phase_started ${id}`, `campaign.phase_ended ${id}`]), 'run.completed']);
  expect(new Set(own.events.map((e) => e.key)).size).toBe(own.events.length);

  // Each phase's run: every step transition once (no duplicate step.completed), keys unique.
  for (const id of phases) {
    const runId = `${campaignId}.${id}`;
    const story = await getRunStory(db, runId);
    expect([id, story.run?.status, story.run?.verdict]).toEqual([id, 'completed', 'pass']);
    expect(story.events.filter((e) => e.type === 'run.started')).toHaveLength(1);
    expect(story.events.filter((e) => e.type === 'run.completed')).toHaveLength(1);
    for (const type of ['step.started', 'step.completed']) {
      const steps = story.events.filter((e) => e.type === type).map((e) => e.stepId);
      expect([runId, type, steps.length]).toEqual([runId, type, new Set(steps).size]);
    }
    const completed = new Set(story.events.filter((e) => e.type === 'step.completed').map((e) => e.stepId));
    expect(completed.size).toBeGreaterThan(0);
    // The killed phase went on with the new worker: what it did after the kill is in the same chain.
    if (runId === second) expect(story.events.length).toBeGreaterThan(atKill.events.length);
    expect(new Set(story.events.map((e) => e.key)).size).toBe(story.events.length);
    expect([runId, (await verifyAuditChain(db, { chainId: runId })).ok]).toEqual([runId, true]);
  }
  expect((await verifyAuditChain(db, { chainId: campaignId })).ok).toBe(true);

  // `audit verify` over the whole (isolated) trail: chains, projections, pinned plans.
  const verify = await promisify(execFile)(process.execPath, [cli, 'audit', 'verify', '--json'], { env: { ...process.env, DATABASE_URL: testDbUrl(db) } });
  expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, runs: { ok: true }, steps: { ok: true } });

  // The campaign left the lab as it found it: site A primary, site B streaming from it.
  expect((await labStatus(lab)).initialTopology).toBe(true);
}, 600_000);
