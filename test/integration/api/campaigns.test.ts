/**
 * Campaigns through the API (real server, dev server, worker, audit database): start with the
 * campaign's and its runbooks' texts, read its progress, decide on a failed phase, abort; the refusals
 * (role, invalid campaign, missing runbook text, another run's id) change nothing. A campaign with a
 * real phase is admitted as a real run: the phase's runbook registered, its services locked.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { API_CHAIN } from '../../../src/audit/human-actions';
import { currentLocks } from '../../../src/real-runs/service-locks';
import { refusedRecord } from '../../support/api';
import { startTestApi, type TestApi } from '../../support/api';
import { answerJson, startScriptedApi, type ScriptedApi } from '../../support/scripted-api';
import { startSignedRun } from '../../support/signing';
import { startWorkflowHarness, type WorkflowHarness } from '../../support/temporal';
import { waitFor } from '../../support/wait-for';
import { cliEnv, runCli } from '../../support/cli';
import { loadRunbookText } from '../../../src/runbook/load';
import { adapterRegistry } from '../../../activities/adapters/index';

let harness: WorkflowHarness;
let db: Kysely<Database>;
let api: TestApi;
let loopback: ScriptedApi;
const tokens: Record<string, string> = {};

const runbook = (name: string, steps: string, modes = '[drill]') => `apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [team]
services: [payments]
modes: ${modes}
params:
  base: { type: string, required: true }
steps:
${steps}`;
const flaky = runbook('api-flaky', `  - id: call\n    title: call\n    kind: action\n    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/flaky" } }\n    retry: { attempts: 1 }\n    onFailure: abort\n`);
const slow = runbook('api-slow', `  - id: hold\n    title: hold\n    kind: action\n    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/slow", timeoutMs: 10000 } }\n`, '[drill, failover]');
const campaign = (phases: string) => `apiVersion: drillbook/v1\nkind: Campaign\nname: api-campaign\nversion: "1"\nphases:\n${phases}`;

beforeAll(async () => {
  harness = await startWorkflowHarness('api-campaign');
  db = harness.db;
  api = await startTestApi(db, harness.client, harness.taskQueue);
  loopback = await startScriptedApi((p, res) => {
    if (p === '/slow') setTimeout(() => answerJson(res, {}), 4000);
    else answerJson(res, { ok: true });
  });
  const suffix = Math.random().toString(16).slice(2, 8);
  tokens.olga = await api.tokenFor(`olga-${suffix}`, ['operator']);
  tokens.audrey = await api.tokenFor(`audrey-${suffix}`, ['auditor']);
  tokens.adam = await api.tokenFor(`adam-${suffix}`, ['admin']);
});

afterAll(async () => {
  await api?.close();
  await harness?.close();
  loopback?.close();
});

async function call(method: string, path: string, who: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const start = (body: Record<string, unknown>, who = 'olga') => call('POST', '/api/campaigns', who, { params: { base: loopback.base }, reason: 'api test', ...body });

async function ended(id: string) {
  await waitFor(async () => ['completed', 'aborted'].includes((await call('GET', `/api/campaigns/${id}`, 'audrey')).body.campaign?.state));
  return (await call('GET', `/api/campaigns/${id}`, 'audrey')).body;
}

test('a campaign started through the API pauses on a failed phase; a decision through the API retries it; its progress reads back', async () => {
  loopback.failuresLeft.set('/flaky', 1);
  const started = await start({ campaign: campaign('  - { id: first, runbook: flaky.yaml }\n'), runbooks: { 'flaky.yaml': flaky } });
  expect(started.status).toBe(201);
  const id = started.body.campaignId as string;
  expect(id).toMatch(/^campaign-api-campaign-[0-9a-f]{8}$/);
  await waitFor(async () => (await call('GET', `/api/campaigns/${id}`, 'audrey')).body.campaign?.awaitingDecision?.phaseId === 'first');
  // An auditor may read, not decide; a phase that does not exist is a 404.
  expect((await call('POST', `/api/campaigns/${id}/phases/first/decide`, 'audrey', { decision: 'retry' })).status).toBe(403);
  expect((await call('POST', `/api/campaigns/${id}/phases/nosuch/decide`, 'olga', { decision: 'retry' })).status).toBe(404);
  expect((await call('POST', `/api/campaigns/${id}/phases/first/decide`, 'olga', { decision: 'retry' })).status).toBe(200);
  const done = await ended(id);
  expect(done).toMatchObject({ source: 'temporal', campaign: { state: 'completed', verdict: 'pass' } });
  expect(done.campaign.phases.map((p: { id: string; execution: number }) => [p.id, p.execution])).toEqual([['first', 2]]);
  // The CLI reads it back through the API and exits by the verdict, as `status` does: 0 for a pass.
  const env = { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens.audrey };
  const status = await runCli(['campaign', 'status', id, '--json'], { env });
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout).campaign.verdict).toBe('pass');
  const text = await runCli(['campaign', 'status', id], { env });
  expect(text.stdout).toMatch(/^campaign .*: completed, verdict pass\n {2}first +completed/);
  // `status` on the campaign's id (straight on Temporal and the trail, no API) shows it the same way and exits by the verdict.
  const plain = await runCli(['status', id], { env: cliEnv(db) });
  expect(plain.code).toBe(0);
  expect(plain.stdout).toBe(text.stdout);
  expect(JSON.parse((await runCli(['status', id, '--json'], { env: cliEnv(db) })).stdout)).toEqual(JSON.parse(status.stdout));
  // Who started it: the token's user, in the trail.
  const requested = await db.selectFrom('audit_events').select('actor').where('chain_id', '=', API_CHAIN).where('type', '=', 'action.requested').where('key', 'like', `%${started.body.requestId}%`).execute();
  expect(requested.map((r) => r.actor)).toEqual([expect.stringMatching(/^olga-/)]);
});

test("abort through the API aborts the running phase; refusals: a role, an invalid campaign, a missing runbook, a real-mode phase, another run's id", async () => {
  expect((await start({ campaign: campaign('  - { id: a, runbook: slow.yaml }\n'), runbooks: { 'slow.yaml': slow } }, 'audrey')).status).toBe(403);
  const invalid = await start({ campaign: campaign('  - { id: a, runbok: slow.yaml }\n'), runbooks: {} });
  expect(invalid).toMatchObject({ status: 400, body: { error: 'campaign_invalid' } });
  expect(invalid.body.message).toMatch(/^campaign\.yaml:6:5: error:/m);
  const missing = await start({ campaign: campaign('  - { id: a, runbook: slow.yaml }\n'), runbooks: {} });
  expect(missing.body.message).toMatch(/runbook not given with the campaign/);
  const real = await start({ campaign: campaign('  - { id: a, runbook: slow.yaml, mode: failover }\n'), runbooks: { 'slow.yaml': slow } });
  expect(real).toMatchObject({ status: 403, body: { error: 'runbook_not_registered' } });
  expect(real.body.message).toMatch(/phase "a" runs slow\.yaml in mode failover.*\(api-slow 1\) is not registered/);

  const started = await start({ campaign: campaign('  - { id: a, runbook: slow.yaml }\n  - { id: b, runbook: slow.yaml }\n'), runbooks: { 'slow.yaml': slow } });
  const id = started.body.campaignId as string;
  await waitFor(async () => (await call('GET', `/api/campaigns/${id}`, 'audrey')).body.campaign?.phases?.[0]?.state === 'running');
  expect((await call('POST', `/api/campaigns/${id}/abort`, 'olga', { reason: 'stop' })).status).toBe(200);
  const done = await ended(id);
  expect(done.campaign).toMatchObject({ state: 'aborted', verdict: 'fail' });
  expect(done.campaign.phases.map((p: { state: string }) => p.state)).toEqual(['aborted', 'pending']);
  expect((await call('POST', `/api/campaigns/${id}/abort`, 'olga', { reason: 'again' })).status).toBe(409);
  // An aborted campaign exits 3; one that does not exist, 4.
  const env = { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens.audrey };
  expect((await runCli(['campaign', 'status', id], { env })).code).toBe(3);
  expect((await runCli(['campaign', 'status', 'campaign-nosuch-00000000'], { env })).code).toBe(4);

  // A run is not a campaign.
  const { plan, planHash } = loadRunbookText(runbook('api-plain', '  - { id: x, title: x, kind: action, action: { adapter: noop, input: {} } }\n'), 'plain.yaml', { registry: adapterRegistry });
  const plain = await startSignedRun(harness.client, { plan: plan!, planHash: planHash!, mode: 'drill', params: { base: 'x' }, initiator: 'alice', reason: 'r', taskQueue: harness.taskQueue });
  await plain.result();
  expect((await call('GET', `/api/campaigns/${plain.workflowId}`, 'audrey')).status).toBe(404);
  expect((await call('POST', `/api/campaigns/${plain.workflowId}/abort`, 'olga', { reason: 'x' })).status).toBe(404);
});

test('drillbook campaign run sends the campaign and its runbooks, waits, and exits by the verdict', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'campaign-cli-'));
  mkdirSync(path.join(dir, 'runbooks'));
  writeFileSync(path.join(dir, 'runbooks', 'flaky.yaml'), flaky);
  writeFileSync(path.join(dir, 'c.yaml'), campaign('  - { id: one, runbook: runbooks/flaky.yaml }\n  - { id: two, runbook: runbooks/flaky.yaml }\n'));
  const env = { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens.olga };
  const ran = await runCli(['campaign', 'run', path.join(dir, 'c.yaml'), '-p', `base=${loopback.base}`, '--reason', 'cli test', '--wait', '--json'], { env });
  expect(ran.stderr).toBe('');
  expect(ran.code).toBe(0);
  const answer = JSON.parse(ran.stdout.slice(ran.stdout.indexOf('{')));
  expect(answer.campaign).toMatchObject({ state: 'completed', verdict: 'pass' });
  expect(answer.campaign.phases.map((p: { id: string }) => p.id)).toEqual(['one', 'two']);
  // A param no phase takes is refused before anything is sent.
  const refused = await runCli(['campaign', 'run', path.join(dir, 'c.yaml'), '-p', `base=${loopback.base}`, '-p', 'nosuch=1', '--reason', 'cli test'], { env });
  expect(refused.code).toBe(2);
  expect(refused.stderr).toMatch(/unknown param "nosuch"/);
});

test("a campaign's real phase is admitted as a real run: its runbook registered (else a 403 naming the phase and the runbook), its services locked until the campaign ends", async () => {
  const service = `ledger-${Math.random().toString(16).slice(2, 8)}`;
  const quick = `apiVersion: drillbook/v1
name: api-quick-${service}
version: "1"
owners: [team]
services: [${service}]
modes: [drill, failover]
steps:
  - { id: x, title: x, kind: action, action: { adapter: noop, input: { sleepMs: 3000 } } }
`;
  const body = { campaign: campaign('  - { id: check, runbook: quick.yaml }\n  - { id: cutover, runbook: quick.yaml, mode: failover }\n'), runbooks: { 'quick.yaml': quick }, params: {} };

  // Not registered: refused, the refusal recorded, nothing locked or started.
  const refused = await start(body);
  expect(refused).toMatchObject({ status: 403, body: { error: 'runbook_not_registered' } });
  expect(refused.body.message).toMatch(new RegExp(`campaign api-campaign: phase "cutover" runs quick\\.yaml in mode failover.*\\(api-quick-${service} 1\\) is not registered`));
  expect(await refusedRecord(db, refused.body.requestId)).toBeDefined();
  expect(await currentLocks(db, [service])).toEqual([]);

  // Registered by an admin: admitted; the service is the campaign's until it ends.
  expect((await call('POST', '/api/runbooks', 'adam', { runbook: quick, file: 'quick.yaml', reason: 'reviewed for the campaign test' })).status).toBe(201);
  const started = await start(body);
  expect(started.status).toBe(201);
  const id = started.body.campaignId as string;
  expect(await currentLocks(db, [service])).toEqual([expect.objectContaining({ service, runId: id, mode: 'failover' })]);
  const other = await call('POST', '/api/runs', 'olga', { runbook: quick, file: 'quick.yaml', mode: 'failover', params: {}, reason: 'a second failover' });
  expect(other).toMatchObject({ status: 409, body: { error: 'run_already_active' } });
  expect(other.body.message).toContain(`held by the failover run ${id}`);
  expect((await start(body)).status).toBe(409);

  const done = await ended(id);
  expect(done.campaign).toMatchObject({ state: 'completed', verdict: 'pass' });
  expect(done.campaign.phases.map((p: { id: string; mode: string; state: string }) => [p.id, p.mode, p.state])).toEqual([['check', 'drill', 'completed'], ['cutover', 'failover', 'completed']]);
  await waitFor(async () => (await currentLocks(db, [service])).length === 0);
});
