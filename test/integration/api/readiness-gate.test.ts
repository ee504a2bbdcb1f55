/**
 * Continuous readiness through the API (real server, dev server, the run and programme workers, the
 * audit database, a loopback health endpoint): `POST /api/readiness/check` evaluates a registered
 * runbook's pre-checks with the real adapters and records each change once; `GET /api/readiness`
 * shows state, since and why to every reader; a run or a campaign on a runbook that is not ready is
 * refused (409, audited) unless the request carries an override reason, which is recorded with its
 * actor; an empty reason is a 400 naming the field. A pre-check that cannot be evaluated (a param with
 * no value) leaves the runbook `unknown`, with why, out of the trail and out of the gate's way.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { API_CHAIN } from '../../../src/audit/human-actions';
import { READINESS_CHAIN } from '../../../src/readiness/record';
import { programmeTaskQueue, startProgrammeWorker } from '../../../src/temporal/programme-worker';
import type { RunningWorkers } from '../../../src/temporal/worker';
import { startTestApi, type TestApi } from '../../support/api';
import { cliEnv, runCli } from '../../support/cli';
import { answerJson, startScriptedApi, type ScriptedApi } from '../../support/scripted-api';
import { startWorkflowHarness, temporalAddress, type WorkflowHarness } from '../../support/temporal';

let harness: WorkflowHarness;
let db: Kysely<Database>;
let api: TestApi;
let programme: RunningWorkers;
let site: ScriptedApi;
let healthy = true;
const tokens: Record<string, string> = {};
const tag = Math.random().toString(16).slice(2, 8);
const service = `gate-svc-${tag}`;
const name = `gate-rb-${tag}`;

const runbook = (named = name, base = `{ type: string, default: "${site.base}" }`) => `apiVersion: drillbook/v1
name: ${named}
version: "1"
owners: [team]
services: [${service}]
modes: [drill, failover]
params:
  base: ${base}
prechecks:
  - id: site-healthy
    title: The site answers its health check
    kind: check
    probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/health" } }
    expect: output.json.status == 'ok'
steps:
  - id: one
    title: nothing
    kind: action
    action: { adapter: noop }
`;

beforeAll(async () => {
  site = await startScriptedApi((p, res) => answerJson(res, p === '/health' ? { status: healthy ? 'ok' : 'down' } : {}));
  harness = await startWorkflowHarness('api-readiness');
  db = harness.db;
  programme = await startProgrammeWorker({ address: temporalAddress(), namespace: 'default', taskQueue: programmeTaskQueue(harness.taskQueue), db });
  api = await startTestApi(db, harness.client, harness.taskQueue);
  tokens.olga = await api.tokenFor(`olga-${tag}`, ['operator']);
  tokens.audrey = await api.tokenFor(`audrey-${tag}`, ['auditor']);
  tokens.root = await api.tokenFor(`root-${tag}`, ['admin']);
});

afterAll(async () => {
  await api?.close();
  await programme?.shutdown();
  await harness?.close();
  site?.close();
});

async function call(method: string, path: string, who: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

const changes = () =>
  db.selectFrom('audit_events').select(['data', 'actor']).where('chain_id', '=', READINESS_CHAIN).where('type', '=', 'readiness.changed').where(({ eb, ref }) => eb(eb.fn('jsonb_extract_path_text', [ref('data'), eb.val('runbook')]), '=', name)).orderBy('seq').execute();
const mine = (answer: { body: Record<string, any> }) => (answer.body.runbooks as { runbook: string }[]).find((r) => r.runbook === name) as Record<string, any> | undefined;

test('readiness: evaluated now through the API, each change recorded once, shown to every reader with since and why', async () => {
  // Nothing registered for the service yet: nothing to evaluate.
  expect((await call('POST', '/api/readiness/check', 'olga', { service })).status).toBe(404);
  expect((await call('POST', '/api/runbooks', 'root', { runbook: runbook(), file: 'gate.yaml', reason: 'readiness test' })).status).toBe(201);

  // An auditor reads, never triggers; a bad body names the field.
  expect((await call('POST', '/api/readiness/check', 'audrey', { service })).status).toBe(403);
  expect((await call('POST', '/api/readiness/check', 'olga', { servce: service })).body).toMatchObject({ error: 'invalid_body', field: 'servce' });

  const first = await call('POST', '/api/readiness/check', 'olga', { service });
  expect(first.status).toBe(200);
  expect(first.body.checks).toEqual([expect.objectContaining({ service, finished: true, runbooks: [expect.objectContaining({ runbook: name, state: 'ready', changed: true })] })]);
  // Evaluated again, still ready: nothing new in the trail.
  expect((await call('POST', '/api/readiness/check', 'olga', { service })).body.checks[0].runbooks[0]).toMatchObject({ state: 'ready', changed: false });
  expect((await changes()).map((c) => c.data)).toEqual([{ service, runbook: name, planHash: expect.stringMatching(/^[0-9a-f]{64}$/), ready: true, previous: null, since: expect.any(String) }]);

  healthy = false;
  const red = await call('POST', '/api/readiness/check', 'olga', { service });
  expect(red.body.checks[0].runbooks[0]).toMatchObject({ state: 'not-ready', changed: true });
  expect((await call('POST', '/api/readiness/check', 'olga', { service })).body.checks[0].runbooks[0]).toMatchObject({ state: 'not-ready', changed: false });
  const recorded = await changes();
  expect(recorded).toHaveLength(2);
  expect(recorded[1].data).toMatchObject({ ready: false, previous: true, failing: { check: 'site-healthy', output: expect.stringContaining(`expectation "output.json.status == 'ok'" not met`) } });

  const read = await call('GET', '/api/readiness', 'audrey');
  expect(read.status).toBe(200);
  expect(mine(read)).toMatchObject({ service, state: 'not-ready', since: (recorded[1].data as { since: string }).since, why: { check: 'site-healthy', output: expect.stringContaining('"down"') }, lastEvaluatedAt: expect.any(String) });
  // The CLI reads the same through the API.
  const cli = await runCli(['readiness', '--json'], { env: { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens.audrey } });
  expect(cli.code).toBe(0);
  expect((JSON.parse(cli.stdout) as { runbook: string; state: string }[]).find((r) => r.runbook === name)).toMatchObject({ state: 'not-ready' });
  const text = await runCli(['readiness'], { env: { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens.audrey } });
  expect(text.stdout).toMatch(new RegExp(`${name} +not-ready +since .*\\n {2}pre-check "site-healthy" failed: expectation`));
});

test('the start gate: a not-ready runbook is refused (409, audited), started with an override reason (recorded), never with an empty one', async () => {
  const start = (extra: Record<string, unknown> = {}) => call('POST', '/api/runs', 'olga', { runbook: runbook(), file: 'gate.yaml', mode: 'drill', reason: 'gate test', ...extra });
  const refused = await start();
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({ error: 'runbook_not_ready', field: 'readinessOverride' });
  expect(refused.body.message).toMatch(new RegExp(`runbook "${name}" \\(service ${service}\\) is not ready since \\S+: pre-check "site-healthy" failed: expectation`));
  const record = await db.selectFrom('audit_events').select(['actor', 'data']).where('key', '=', `api/${refused.body.requestId}/refused`).executeTakeFirstOrThrow();
  expect(record.actor).toBe(`olga-${tag}`);
  expect(record.data).toMatchObject({ action: 'start', status: 409, code: 'runbook_not_ready' });

  const empty = await start({ readinessOverride: { reason: '  ' } });
  expect(empty.status).toBe(400);
  expect(empty.body).toMatchObject({ field: 'readinessOverride.reason' });
  expect(empty.body.message).toContain('a reason is required');

  const overridden = await start({ readinessOverride: { reason: 'the health endpoint is being replaced; checked by hand' } });
  expect(overridden.status).toBe(201);
  const override = await db.selectFrom('audit_events').select(['actor', 'data']).where('chain_id', '=', READINESS_CHAIN).where('type', '=', 'readiness.overridden').where('key', 'like', `%/${overridden.body.requestId}/%`).execute();
  expect(override).toEqual([
    { actor: `olga-${tag}`, data: expect.objectContaining({ service, runbook: name, reason: 'the health endpoint is being replaced; checked by hand', requestId: overridden.body.requestId, why: expect.objectContaining({ check: 'site-healthy' }) }) },
  ]);
  const requested = await db.selectFrom('audit_events').select('data').where('chain_id', '=', API_CHAIN).where('key', '=', `api/${overridden.body.requestId}/requested`).executeTakeFirstOrThrow();
  expect(requested.data).toMatchObject({ request: { readinessOverride: { reason: 'the health endpoint is being replaced; checked by hand' } } });

  // A campaign with a phase on that runbook: the same gate. The CLI's flag carries the reason.
  const campaign = `apiVersion: drillbook/v1\nkind: Campaign\nname: gate-campaign-${tag}\nversion: "1"\nphases:\n  - { id: first, runbook: gate.yaml }\n`;
  const refusedCampaign = await call('POST', '/api/campaigns', 'olga', { campaign, runbooks: { 'gate.yaml': runbook() }, reason: 'gate test' });
  expect(refusedCampaign).toMatchObject({ status: 409, body: { error: 'runbook_not_ready' } });
  const overriddenCampaign = await call('POST', '/api/campaigns', 'olga', { campaign, runbooks: { 'gate.yaml': runbook() }, reason: 'gate test', readinessOverride: { reason: 'known' } });
  expect(overriddenCampaign.status).toBe(201);
  expect((await call('POST', '/api/campaigns', 'olga', { campaign, runbooks: { 'gate.yaml': runbook() }, reason: 'gate test', readinessOverride: {} })).body).toMatchObject({ field: 'readinessOverride.reason' });

  // Green again: the start goes ahead without an override.
  healthy = true;
  expect((await call('POST', '/api/readiness/check', 'olga', { service })).body.checks[0].runbooks[0]).toMatchObject({ state: 'ready', changed: true });
  expect((await start()).status).toBe(201);
  expect((await changes()).map((c) => (c.data as { ready: boolean }).ready)).toEqual([true, false, true]);

  // `drillbook readiness check` through the API: an operator's evaluation, an auditor refused (exit 8).
  const as = (who: string) => ({ env: { DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens[who] } });
  const checked = await runCli(['readiness', 'check', '--service', service, '--json'], as('olga'));
  expect(checked.code).toBe(0);
  expect(JSON.parse(checked.stdout).checks).toEqual([expect.objectContaining({ service, finished: true, runbooks: [expect.objectContaining({ runbook: name, state: 'ready', changed: false })] })]);
  const notMine = await runCli(['readiness', 'check', '--service', service], as('audrey'));
  expect(notMine.code).toBe(8);
  expect(notMine.stderr).toContain('checkReadiness');
});

test('a pre-check reading a param with no default and no value in the inventory: unknown, with why; nothing in the trail; starts are not held back', async () => {
  const needs = `${name}-needs`;
  const text = runbook(needs, '{ type: string, required: true }');
  expect((await call('POST', '/api/runbooks', 'root', { runbook: text, file: 'needs.yaml', reason: 'readiness test' })).status).toBe(201);
  const checked = await call('POST', '/api/readiness/check', 'olga', { service });
  expect(checked.body.checks[0].runbooks).toEqual(expect.arrayContaining([expect.objectContaining({ runbook: needs, state: 'unknown', changed: false })]));
  const row = (checked.body.runbooks as { runbook: string }[]).find((r) => r.runbook === needs);
  expect(row).toMatchObject({ state: 'unknown', why: { reason: 'pre-check "site-healthy" reads param "base", which has no default and no value in the inventory' } });
  expect(await db.selectFrom('audit_events').select('key').where('chain_id', '=', READINESS_CHAIN).where('key', 'like', `${READINESS_CHAIN}/${service}/${needs}/%`).execute()).toEqual([]);
  const started = await call('POST', '/api/runs', 'olga', { runbook: text, file: 'needs.yaml', mode: 'drill', params: { base: site.base }, reason: 'unknown is no refusal' });
  expect(started.status).toBe(201);
});

test('the CLI: --override-readiness needs a reason (exit 2, nothing sent)', async () => {
  const out = await runCli(['run', 'runbooks/dr-readiness.yaml', '--mode', 'drill', '-p', 'siteA=http://a', '-p', 'siteB=http://b', '-p', 'webhook=http://w', '--reason', 'x', '--override-readiness', ' '], {
    env: { ...cliEnv(db), DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: tokens.olga },
  });
  expect(out.code).toBe(2);
  expect(out.stderr).toContain('--override-readiness needs a reason');
});
