/**
 * Notifications (docs/notifications.md), end to end on the real dev server and a database of its own:
 * the programme worker's dispatcher reads the trail and posts to a loopback webhook each kind — a
 * manual step and an approval waiting, a step failed, a run paused, a guard tripped, a readiness check
 * turned red, an RTO breach (and share) alert of a run nobody scheduled, a run ended — in the body
 * each target asked for (json, Slack, Teams); a 500 is retried (delivered on the 2nd attempt,
 * recorded once, attempts 2), a 404 is final; the webhook's secret path is in no record.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { adapterRegistry } from '../../activities/adapters/index';
import { appendAuditEvents } from '../../src/audit/append-events';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { verifyRunProjections } from '../../src/audit/verify-runs';
import { applyInventory } from '../../src/inventory/apply';
import type { NotificationTables } from '../../src/notifications/deliveries';
import { loadInventoryText } from '../../src/inventory/load';
import { getProgress } from '../../src/plan/run-messages';
import { notificationDispatcherId, startProgrammeWorker } from '../../src/temporal/programme-worker';
import type { RunningWorkers } from '../../src/temporal/worker';
import { temporalAddress, uniqueQueue, workflowSuite } from '../support/temporal';
import { answerJson } from '../support/scripted-api';
import { startRunbook } from '../support/runbooks';
import { sendSigned } from '../support/signing';
import { waitFor } from '../support/wait-for';

let healthy = true;
const wf = workflowSuite(
  'notify',
  (p, res) => {
    if (p.startsWith('/fail')) res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"down"}');
    else answerJson(res, { healthy });
  },
  { isolated: true },
);

const SECRET = 'T0KEN-s3cr3t-path-9f2c';
const SLACK_VAR = 'DRILLBOOK_SECRET_NOTIFY_SLACK';
const TEAMS_VAR = 'DRILLBOOK_SECRET_NOTIFY_TEAMS';
interface Received {
  path: string;
  body: any;
  status: number;
}
const received: Received[] = [];
const flakyAnswered = new Map<string, number>();
let hook: http.Server;
let base: string;
let programme: RunningWorkers;
const programmeQueue = uniqueQueue('notify-programme');

/** A runbook of `service`: header, then the YAML after `steps:`. */
function runbook(service: string, steps: string, extra = ''): string {
  return `apiVersion: drillbook/v1
name: ${service}-dr
version: "1"
owners: [team]
services: [${service}]
objectives: { rto: ${service === 'svc-json' || service === 'svc-unlisted' ? '1s' : '10m'} }
modes: [drill]
params:
  base: { type: string, required: true }
${extra}steps:${steps}`;
}
const ONE_STEP = `
  - { id: only, title: only, kind: action, action: { adapter: noop, input: {} } }
`;

beforeAll(async () => {
  hook = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const p = req.url ?? '';
      const body = JSON.parse(text);
      // /hooks/flaky answers 500 to the first post of each event, then 200.
      const event = body.event?.key ?? '';
      let status = 200;
      if (p.startsWith('/hooks/flaky')) {
        const n = (flakyAnswered.get(event) ?? 0) + 1;
        flakyAnswered.set(event, n);
        if (n === 1) status = 500;
      }
      if (p.startsWith('/hooks/gone')) status = 404;
      // /hooks/slow answers the first post of each event after the dispatcher's 2 s timeout.
      let delayMs = 0;
      if (p.startsWith('/hooks/slow')) {
        const n = (flakyAnswered.get(`slow:${event}`) ?? 0) + 1;
        flakyAnswered.set(`slow:${event}`, n);
        if (n === 1) delayMs = 3_000;
      }
      received.push({ path: p, body, status });
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end('{}'), delayMs);
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(hook.address() as AddressInfo).port}`;

  process.env[SLACK_VAR] = `${base}/hooks/slack/T000/B000/${SECRET}`;
  process.env[TEAMS_VAR] = `${base}/hooks/teams/${SECRET}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'notify-'));
  const services: [string, string, string?][] = [
    ['svc-json', `${base}/hooks/json/${SECRET}`],
    // Named by secret references: the URL (with its credential path) is only in the worker's environment.
    ['svc-slack', `env:${SLACK_VAR}`, 'slack'],
    ['svc-teams', `env:${TEAMS_VAR}`, 'teams'],
    ['svc-unset', 'env:DRILLBOOK_SECRET_NOTIFY_UNSET'],
    ['svc-flaky', `${base}/hooks/flaky/${SECRET}`],
    ['svc-gone', `${base}/hooks/gone/${SECRET}`],
    ['svc-slow', `${base}/hooks/slow/${SECRET}`],
  ];
  for (const [name] of services) writeFileSync(path.join(dir, `${name}.yaml`), runbook(name, ONE_STEP));
  const entries = services
    .map(
      ([name, url, format]) =>
        `  - name: ${name}\n    owner: ${name}-team\n    notify: "${url}"\n${format ? `    notifyFormat: ${format}\n` : ''}    criticality: high\n    sites: [a]\n` +
        `    objectives: { rto: ${name === 'svc-json' ? '1s' : '10m'}, rpo: 0s }\n    runbooks: [{ file: ${name}.yaml, params: { base: "${base}" } }]\n`,
    )
    .join('');
  const text =
    `apiVersion: drillbook/v1\nkind: ServiceInventory\nnotifications:\n  link: https://drillbook.bank.example\n  retry: { attempts: 3, backoff: 200ms }\n  timeout: 2s\n` +
    `services:\n${entries}`;
  const loaded = loadInventoryText(text, path.join(dir, 'inventory.yaml'), adapterRegistry);
  expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  await applyInventory(wf.db, loaded.inventory!, 'test');

  programme = await startProgrammeWorker({ address: temporalAddress(), namespace: 'default', taskQueue: programmeQueue, db: wf.db, notifications: { pollMs: 100 } });
  // The dispatcher begins at the trail's end: wait until it has taken its place (its first heartbeat).
  const dispatcher = wf.client.workflow.getHandle(notificationDispatcherId(programmeQueue));
  await waitFor(async () => !!(await dispatcher.describe()).raw.pendingActivities?.some((a) => a.heartbeatDetails), 30_000);
});

afterAll(async () => {
  await wf.client.workflow.getHandle(notificationDispatcherId(programmeQueue)).terminate('test over').catch(() => undefined);
  await programme?.shutdown();
  await new Promise((r) => hook?.close(r));
});

function noticesOf(runId: string, p = '/hooks/json/'): any[] {
  return received.filter((r) => r.path.startsWith(p) && r.body.runId === runId && r.status === 200).map((r) => r.body);
}

async function deliveryEvents(where: { eventKey?: string; runId?: string }) {
  const rows = await wf.db
    .selectFrom('audit_events')
    .select(['type', 'data', 'chain_id', 'run_id'])
    .where('type', 'in', ['notification.delivered', 'notification.failed'])
    .orderBy('id')
    .execute();
  return rows.filter((r) => {
    const d = r.data as { eventKey: string };
    return (where.eventKey === undefined || d.eventKey === where.eventKey) && (where.runId === undefined || r.run_id === where.runId);
  });
}

test('every kind reaches the owner: waiting (manual, approval), guard tripped, paused, step failed, RTO alerts, ended', async () => {
  const handle = await startRunbook(
    wf,
    runbook(
      'svc-json',
      `
  - { id: begin, title: begin, kind: action, action: { adapter: noop, input: {} }, marks: [rto.start] }
  - id: call-desk
    title: Call the DR desk
    kind: manual
    needs: [begin]
    instructions: Call them.
  - id: go
    title: Go / no-go
    kind: approval
    needs: [call-desk]
    role: approver
    approvers: 1
  - id: breaks
    title: breaks
    kind: action
    needs: [go]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/fail" } }
  - { id: finish, title: finish, kind: action, needs: [breaks], action: { adapter: noop, input: {} }, marks: [rto.end] }
`,
      `guards:
  - id: primary-healthy
    title: the primary stays healthy
    probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/health" } }
    expect: output.json.healthy == true
    every: 100ms
    onViolation: pause
`,
    ),
    { params: { base: wf.api.base }, file: 'svc-json.yaml' },
  );
  const runId = handle.workflowId;
  const kinds = () => noticesOf(runId).map((n) => `${n.kind}${n.step ? `:${n.step}` : ''}${n.details?.alert ? `:${n.details.alert}` : ''}`);

  await waitFor(async () => kinds().includes('waiting:call-desk'), 20_000);
  // The run is past its 1 s RTO while the desk is called: both threshold alerts, though nobody scheduled it.
  await waitFor(async () => kinds().includes('alert:rto-breach') && kinds().includes('alert:rto-share'), 20_000);
  const manual = noticesOf(runId).find((n) => n.step === 'call-desk');
  expect(manual).toMatchObject({ kind: 'waiting', service: 'svc-json', runbook: 'svc-json-dr', details: { waitingFor: 'manual' } });
  expect(manual.link).toBe(`https://drillbook.bank.example/console/#/runs/${encodeURIComponent(runId)}`);

  healthy = false;
  await waitFor(async () => kinds().includes('guard-tripped') && kinds().includes('paused'), 20_000);
  healthy = true;
  await sendSigned(handle, 'decide', { stepId: 'guard:primary-healthy', decision: 'retry', actor: 'bob' });
  await sendSigned(handle, 'confirm', { stepId: 'call-desk', actor: 'bob', evidence: {} });
  await waitFor(async () => kinds().includes('waiting:go'), 20_000);
  expect(noticesOf(runId).find((n) => n.step === 'go')).toMatchObject({ details: { waitingFor: 'approval', role: 'approver', approvers: 1 } });
  await sendSigned(handle, 'approve', { stepId: 'go', actor: 'bob', roles: ['approver'] });
  await waitFor(async () => kinds().includes('step-failed:breaks') && kinds().includes('paused:breaks'), 20_000);
  expect(noticesOf(runId).find((n) => n.kind === 'step-failed').message).toMatch(/breaks" failed/);
  await waitFor(async () => (await handle.query(getProgress)).state === 'paused');
  await sendSigned(handle, 'decide', { stepId: 'breaks', decision: 'skip', reason: 'known broken', actor: 'bob' });
  expect((await handle.result()).state).toBe('completed');
  await waitFor(async () => kinds().includes('ended'), 20_000);
  expect(noticesOf(runId).find((n) => n.kind === 'ended')).toMatchObject({ details: { state: 'completed', verdict: 'fail' } });

  // Each notice once, each recorded once as delivered, in the run's chain of notifications.
  const posted = noticesOf(runId).map((n) => n.event.key);
  expect(new Set(posted).size).toBe(posted.length);
  await waitFor(async () => (await deliveryEvents({ runId })).length === posted.length);
  const records = await deliveryEvents({ runId });
  expect(records.every((r) => r.type === 'notification.delivered' && r.chain_id === `notifications:${runId}`)).toBe(true);
  expect(records[0].data).toMatchObject({ target: 'service:svc-json', origin: base, format: 'json', status: 'delivered', attempts: 1, httpStatus: 200 });
});

test("a run of a service the inventory does not list is measured against its runbook's RTO: its alerts are raised (and go nowhere)", async () => {
  const handle = await startRunbook(
    wf,
    runbook('svc-unlisted', `
  - { id: begin, title: begin, kind: action, action: { adapter: noop, input: {} }, marks: [rto.start] }
  - { id: hold, title: hold, kind: manual, needs: [begin], instructions: wait }
  - { id: finish, title: finish, kind: action, needs: [hold], action: { adapter: noop, input: {} }, marks: [rto.end] }
`),
    { params: { base: wf.api.base } },
  );
  const alerts = () => wf.db.selectFrom('audit_events').select(['key', 'chain_id', 'data']).where('run_id', '=', handle.workflowId).where('type', '=', 'alert.raised').execute();
  await waitFor(async () => (await alerts()).length === 2, 20_000);
  expect((await alerts()).map((a) => a.key).sort()).toEqual([`${handle.workflowId}/-/alert/rto-breach`, `${handle.workflowId}/-/alert/rto-share`]);
  expect((await alerts())[0]).toMatchObject({ chain_id: `alerts:${handle.workflowId}`, data: { service: 'svc-unlisted', limitMs: expect.any(Number), delivered: false } });
  await sendSigned(handle, 'confirm', { stepId: 'hold', actor: 'bob', evidence: {} });
  await handle.result();
  expect(received.filter((r) => r.body.runId === handle.workflowId)).toEqual([]);
  expect(await deliveryEvents({ runId: handle.workflowId })).toEqual([]);
});

test('a readiness check turning red is notified; turning green is not', async () => {
  const at = new Date();
  const event = (ready: boolean, n: number) => ({
    key: `readiness/svc-json/test-${n}-${at.getTime()}`,
    chainId: 'readiness',
    runId: null,
    type: 'readiness.changed',
    actor: 'drillbook',
    data: { service: 'svc-json', runbook: 'svc-json-dr', planHash: 'abc', ready, previous: !ready, since: at.toISOString(), ...(ready ? {} : { failing: { check: 'dr-healthy', output: 'timeout' } }) },
  });
  await appendAuditEvents(wf.db, [event(false, 1)]);
  await appendAuditEvents(wf.db, [event(true, 2)]);
  await waitFor(async () => received.some((r) => r.body.kind === 'readiness-red'), 20_000);
  await new Promise((r) => setTimeout(r, 500));
  const red = received.filter((r) => r.body.event?.type === 'readiness.changed');
  expect(red).toHaveLength(1);
  expect(red[0].body).toMatchObject({ kind: 'readiness-red', service: 'svc-json', runbook: 'svc-json-dr', runId: null, link: null });
  expect(red[0].body.message).toMatch(/turned red: check "dr-healthy" failed/);
  await waitFor(async () => (await deliveryEvents({ eventKey: red[0].body.event.key })).length === 1);
  expect((await deliveryEvents({ eventKey: red[0].body.event.key }))[0]).toMatchObject({ chain_id: 'notifications', run_id: null, type: 'notification.delivered' });
});

test('a webhook that answers 500 once gets the notice on the 2nd attempt, recorded once with attempts 2; a 404 is final', async () => {
  const flaky = await startRunbook(wf, runbook('svc-flaky', ONE_STEP), { params: { base: wf.api.base } });
  await flaky.result();
  const endKey = `${flaky.workflowId}/-/run/ended`;
  await waitFor(async () => (await deliveryEvents({ eventKey: endKey })).length > 0, 20_000);
  const posts = received.filter((r) => r.path.startsWith('/hooks/flaky/') && r.body.event.key === endKey);
  expect(posts.map((p) => p.status)).toEqual([500, 200]);
  expect(posts[0].body).toEqual(posts[1].body);
  const records = await deliveryEvents({ eventKey: endKey });
  expect(records).toHaveLength(1);
  expect(records[0]).toMatchObject({ type: 'notification.delivered', data: { attempts: 2, httpStatus: 200, target: 'service:svc-flaky' } });

  const gone = await startRunbook(wf, runbook('svc-gone', ONE_STEP), { params: { base: wf.api.base } });
  await gone.result();
  const goneKey = `${gone.workflowId}/-/run/ended`;
  await waitFor(async () => (await deliveryEvents({ eventKey: goneKey })).length > 0, 20_000);
  expect((await deliveryEvents({ eventKey: goneKey }))[0]).toMatchObject({ type: 'notification.failed', data: { attempts: 1, httpStatus: 404, error: 'answered 404' } });
  expect(received.filter((r) => r.body.event?.key === goneKey)).toHaveLength(1);
});

test('a webhook that does not answer within the timeout is tried again', async () => {
  const slow = await startRunbook(wf, runbook('svc-slow', ONE_STEP), { params: { base: wf.api.base } });
  await slow.result();
  const endKey = `${slow.workflowId}/-/run/ended`;
  await waitFor(async () => (await deliveryEvents({ eventKey: endKey })).length > 0, 20_000);
  expect(received.filter((r) => r.body.event?.key === endKey)).toHaveLength(2);
  expect((await deliveryEvents({ eventKey: endKey }))[0]).toMatchObject({ type: 'notification.delivered', data: { attempts: 2, httpStatus: 200 } });
  const row = await wf.db.withTables<NotificationTables>().selectFrom('notification_deliveries').selectAll().where('event_key', '=', endKey).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: 'delivered', attempts: 2, last_status: 200, target: 'service:svc-slow' });
});

test('Slack and Teams targets get bodies their webhooks accept', async () => {
  const slack = await startRunbook(wf, runbook('svc-slack', ONE_STEP), { params: { base: wf.api.base } });
  const teams = await startRunbook(wf, runbook('svc-teams', ONE_STEP), { params: { base: wf.api.base } });
  await Promise.all([slack.result(), teams.result()]);
  await waitFor(async () => received.some((r) => r.path.startsWith('/hooks/slack/')) && received.some((r) => r.path.startsWith('/hooks/teams/')), 20_000);

  const s = received.find((r) => r.path.startsWith('/hooks/slack/'))!.body;
  expect(typeof s.text).toBe('string');
  expect(s.text).toContain(slack.workflowId);
  expect(s.blocks[0]).toMatchObject({ type: 'section', text: { type: 'mrkdwn', text: expect.stringContaining('Run ended') } });
  expect(s.blocks.some((b: any) => b.type === 'section' && b.text.text.includes(`<https://drillbook.bank.example/console/#/runs/`))).toBe(true);
  expect(Object.keys(s).sort()).toEqual(['blocks', 'text']);

  const t = received.find((r) => r.path.startsWith('/hooks/teams/'))!.body;
  expect(t).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: { type: 'AdaptiveCard', version: '1.4' } }] });
  const card = t.attachments[0].content;
  expect(card.body[0]).toMatchObject({ type: 'TextBlock', text: 'Run ended' });
  expect(card.body.find((b: any) => b.type === 'FactSet').facts).toContainEqual({ title: 'Run', value: teams.workflowId });
  expect(card.actions[0]).toMatchObject({ type: 'Action.OpenUrl', url: expect.stringContaining('/console/#/runs/') });
});

test('a webhook named by a secret reference that this worker cannot read: the delivery fails once, recorded by the reference alone', async () => {
  const run = await startRunbook(wf, runbook('svc-unset', ONE_STEP), { params: { base: wf.api.base } });
  await run.result();
  const endKey = `${run.workflowId}/-/run/ended`;
  await waitFor(async () => (await deliveryEvents({ eventKey: endKey })).length > 0, 20_000);
  const [event] = await deliveryEvents({ eventKey: endKey });
  expect(event).toMatchObject({ type: 'notification.failed', data: { error: expect.stringContaining('env:DRILLBOOK_SECRET_NOTIFY_UNSET') } });
  const row = await wf.db.withTables<NotificationTables>().selectFrom('notification_deliveries').selectAll().where('event_key', '=', endKey).executeTakeFirstOrThrow();
  expect(row).toMatchObject({ status: 'failed', attempts: 1, target: 'service:svc-unset' });
});

test('two dispatchers on one trail post each notice once', async () => {
  const otherQueue = uniqueQueue('notify-programme-2');
  const other = await startProgrammeWorker({ address: temporalAddress(), namespace: 'default', taskQueue: otherQueue, db: wf.db, notifications: { pollMs: 50 } });
  try {
    const second = wf.client.workflow.getHandle(notificationDispatcherId(otherQueue));
    await waitFor(async () => !!(await second.describe()).raw.pendingActivities?.some((a) => a.heartbeatDetails), 30_000);
    const runs = await Promise.all([1, 2, 3].map(() => startRunbook(wf, runbook('svc-teams', ONE_STEP), { params: { base: wf.api.base } })));
    await Promise.all(runs.map((r) => r.result()));
    const keys = runs.map((r) => `${r.workflowId}/-/run/ended`);
    await waitFor(async () => (await Promise.all(keys.map((eventKey) => deliveryEvents({ eventKey })))).every((d) => d.length === 1), 20_000);
    await new Promise((r) => setTimeout(r, 500));
    for (const key of keys) {
      expect(received.filter((r) => r.path.startsWith('/hooks/teams/') && r.body.summary.includes(key.split('/')[0]))).toHaveLength(1);
      expect(await deliveryEvents({ eventKey: key })).toHaveLength(1);
    }
  } finally {
    await wf.client.workflow.getHandle(notificationDispatcherId(otherQueue)).terminate('test over').catch(() => undefined);
    await other.shutdown();
  }
});

test("the webhook's secret path is in no record: neither the trail nor the deliveries", async () => {
  await waitFor(async () => (await deliveryEvents({})).length >= 5);
  const inTrail = await wf.db.selectFrom('audit_events').select('key').where('body', 'like', `%${SECRET}%`).execute();
  expect(inTrail).toEqual([]);
  const { rows } = await (await import('kysely')).sql<{ n: number }>`SELECT count(*)::int AS n FROM notification_deliveries WHERE row_to_json(notification_deliveries)::text LIKE ${`%${SECRET}%`}`.execute(wf.db);
  expect(rows[0].n).toBe(0);
  // The inventory holds the references of the webhooks named so, not their URLs.
  const inventory = await (await import('kysely')).sql<{ notify: string | null }>`SELECT notify FROM services WHERE name IN ('svc-slack', 'svc-teams') ORDER BY name`.execute(wf.db);
  expect(inventory.rows.map((r) => r.notify)).toEqual([`env:${SLACK_VAR}`, `env:${TEAMS_VAR}`]);
  // Only a webhook's origin is written down (none where the reference could not be read).
  for (const r of await deliveryEvents({})) {
    const { origin, target } = r.data as { origin: string; target: string };
    expect(origin).toBe(target === 'service:svc-unset' ? '' : base);
  }
  // And the trail, with its chains of alerts and notifications, still verifies, runs included.
  expect((await verifyAuditChain(wf.db)).ok).toBe(true);
  expect((await verifyRunProjections(wf.db)).ok).toBe(true);
});

test('a bad message format in the inventory is an error naming the field', () => {
  const text = (extra: string, service = '') =>
    `apiVersion: drillbook/v1\nkind: ServiceInventory\nnotifications:\n  webhook: https://chat.example/hooks/x\n${extra}services:\n  - name: a\n    owner: o\n${service}    criticality: low\n    sites: [a]\n    objectives: { rto: 1m, rpo: 0s }\n    runbooks: [{ file: none.yaml }]\n`;
  const top = loadInventoryText(text('  format: discord\n'), '/tmp/inv.yaml', adapterRegistry).diagnostics.filter((d) => d.severity === 'error');
  expect(top[0]).toMatchObject({ path: ['notifications', 'format'], line: 5 });
  expect(top[0].message).toBe('notifications.format: "discord" is not a message format; use one of json, slack, teams');
  const svc = loadInventoryText(text('', '    notifyFormat: msteams\n'), '/tmp/inv.yaml', adapterRegistry).diagnostics.filter((d) => d.severity === 'error');
  expect(svc[0]).toMatchObject({ path: ['services', 0, 'notifyFormat'], message: expect.stringMatching(/^notifyFormat: "msteams" is not a message format/) });
});
