/**
 * Drill schedules against the real dev server (the time-skipping server has no Schedules): the next
 * action times fall on the configured day of January and July in the configured time zone; `trigger`
 * starts a real run whose initiator in the audit trail is the schedule, and whose owner is alerted
 * while it runs (RTO share, step overrun); a drill due inside a blackout window — fixed, or a
 * recurring one (weekday, from-to in Asia/Seoul) — waits for its end, and the deferral is audited.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadInventoryText, type LoadedInventory } from '../../src/inventory/load';
import { programmeDb } from '../../src/inventory/tables';
import { zonedParts } from '../../src/coverage/periods';
import { recordSchedulePin, upsertSchedule, nextActionTimes } from '../../src/schedules/manage';
import { programmeTaskQueue, startProgrammeWorker } from '../../src/temporal/programme-worker';
import { drillSchedules } from '../../src/schedules/spec';
import { workflowBundle, type RunningWorkers } from '../../src/temporal/worker';
import { testDb, uniqueId } from '../support/db';
import { temporalAddress, testClient, testWorkers, uniqueQueue } from '../support/temporal';
import { testSigner } from '../support/signing';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let workers: RunningWorkers;
let programme: RunningWorkers;
let receiver: http.Server;
let webhook: string;
const received: { message: string; data: Record<string, unknown> }[] = [];
const taskQueue = uniqueQueue('sched');
const tag = uniqueId('s').slice(2, 10);
const svc = `svc-${tag}`;
const svcBlack = `frozen-${tag}`;
const svcRecurring = `hours-${tag}`;
// A recurring window (minute granularity) covering now and ending at a full minute 15-75 s away.
const recurringStart = Math.floor((Date.now() - 60_000) / 60_000) * 60_000;
let recurringEnd = Math.ceil(Date.now() / 60_000) * 60_000;
if (recurringEnd - Date.now() < 15_000) recurringEnd += 60_000;
const seoul = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);
const seoulDay = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Seoul', weekday: 'short' }).format(recurringStart).toUpperCase();
const created: string[] = [];
let inventory: LoadedInventory;

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
  workers = await testWorkers(db, taskQueue);
  programme = await startProgrammeWorker({ address: temporalAddress(), namespace: 'default', taskQueue: programmeTaskQueue(taskQueue), db });
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  webhook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'sched-'));
  const runbook = (service: string, sleepMs: number) => `apiVersion: drillbook/v1
name: ${service}-drill
version: "3"
owners: [ops@example]
services: [${service}]
objectives: { rto: 2s }
steps:
  - id: slow
    title: a step slower than expected
    kind: action
    action: { adapter: noop, input: { sleepMs: ${sleepMs} } }
`;
  writeFileSync(path.join(dir, 'a.yaml'), runbook(svc, 2500));
  writeFileSync(path.join(dir, 'b.yaml'), runbook(svcBlack, 10));
  writeFileSync(path.join(dir, 'c.yaml'), runbook(svcRecurring, 10));
  // Far enough ahead that the trigger lands inside the window on a loaded machine (setup and the first test come first).
  const blackoutEnd = new Date(Date.now() + 15_000).toISOString();
  /** A service of ops@example whose runbook `file` is scheduled on the 1st of January and July. */
  const scheduledOnThe1st = (service: string, file: string) => `  - name: ${service}
    owner: ops@example
    criticality: high
    sites: [a]
    objectives: { rto: 2s, rpo: 0s }
    runbooks:
      - file: ${file}
        schedule: { months: [JANUARY, JULY], day: 1 }
`;
  const text = `apiVersion: drillbook/v1
kind: ServiceInventory
timezone: Asia/Seoul
alerts: { rtoShare: 0.5 }
services:
  - name: ${svc}
    owner: owner-${tag}@example
    notify: ${webhook}
    criticality: critical
    sites: [a]
    objectives: { rto: 2s, rpo: 0s }
    runbooks:
      - file: a.yaml
        schedule: { months: [JANUARY, JULY], day: 15, at: "10:00", jitter: 30m }
        expectedDurations: { slow: 500ms }
${scheduledOnThe1st(svcBlack, 'b.yaml')}${scheduledOnThe1st(svcRecurring, 'c.yaml')}blackouts:
  - name: hours-${tag}
    every: { days: [${seoulDay}], from: "${seoul(recurringStart)}", to: "${seoul(recurringEnd)}" }
    services: [${svcRecurring}]
  - name: freeze-${tag}
    start: "${new Date(Date.now() - 60_000).toISOString()}"
    end: "${blackoutEnd}"
    services: [${svcBlack}]
`;
  const loaded = loadInventoryText(text, path.join(dir, 'inventory.yaml'), adapterRegistry);
  expect(loaded.diagnostics).toEqual([]);
  inventory = loaded.inventory!;
  for (const def of drillSchedules(inventory, { taskQueue, programmeTaskQueue: programmeTaskQueue(taskQueue), now: new Date(), alertPollMs: 200, signer: await testSigner() })) {
    await upsertSchedule(client, def.options);
    await recordSchedulePin(db, def, 'test');
    created.push(def.scheduleId);
  }
});

afterAll(async () => {
  for (const id of created) await client.schedule.getHandle(id).delete().catch(() => undefined);
  await workers?.shutdown();
  await programme?.shutdown();
  await closeClient?.();
  receiver?.close();
  await db?.destroy();
});

/** Triggers a schedule and returns the workflow id of the action it took. */
async function triggerAndFind(scheduleId: string): Promise<string> {
  const handle = client.schedule.getHandle(scheduleId);
  await handle.trigger();
  for (let i = 0; i < 100; i++) {
    const d = await handle.describe();
    if (d.info.recentActions.length) return d.info.recentActions[0].action.workflow.workflowId;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the schedule took no action');
}

test('next run times fall on 15 January and 15 July, 10:00-10:30 in Seoul', async () => {
  const id = `drill-${svc}-${svc}-drill`;
  const times = await nextActionTimes(client, id);
  expect(times.length).toBeGreaterThanOrEqual(4);
  const months = new Set<number>();
  for (const t of times) {
    const { month, day } = zonedParts(t, 'Asia/Seoul');
    const hm = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Seoul', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
    expect([0, 6]).toContain(month);
    expect(day).toBe(15);
    // Jitter delays by up to 30 minutes, never earlier.
    expect(hm >= '10:00' && hm < '10:30').toBe(true);
    months.add(month);
  }
  expect(months).toEqual(new Set([0, 6]));
  // Consecutive times alternate between the halves: about six months apart, not 182 days of drift.
  for (let i = 1; i < times.length; i++) expect(zonedParts(times[i], 'Asia/Seoul').month).not.toBe(zonedParts(times[i - 1], 'Asia/Seoul').month);
  const d = await client.schedule.getHandle(id).describe();
  expect(d.policies).toMatchObject({ overlap: 'SKIP', pauseOnFailure: true, catchupWindow: 86_400_000 });

  const pin = await programmeDb(db).selectFrom('drill_schedules').selectAll().where('schedule_id', '=', id).executeTakeFirstOrThrow();
  expect(pin.plan_hash).toBe(inventory.services[0].runbooks[0].planHash);
  expect(pin.runbook_version).toBe('3');
});

test('trigger starts a real run with the schedule as initiator, and the owner is alerted while it runs', async () => {
  const id = `drill-${svc}-${svc}-drill`;
  const wf = await triggerAndFind(id);
  const result = await client.workflow.getHandle(wf).result();
  expect(result).toMatchObject({ state: 'completed', verdict: 'pass', runId: `${wf}.run` });
  const run = await db.selectFrom('runs').selectAll().where('run_id', '=', `${wf}.run`).executeTakeFirstOrThrow();
  expect(run.initiator).toBe(`schedule:${id}`);
  expect(run.plan_hash).toBe(inventory.services[0].runbooks[0].planHash);
  const started = await db.selectFrom('audit_events').select(['actor']).where('key', '=', `${wf}.run/-/run/started`).executeTakeFirstOrThrow();
  expect(started.actor).toBe(`schedule:${id}`);

  // The 2.5 s step passes 50% of the 2 s RTO and its expected 500 ms: one alert each, to the owner.
  const alerts = await db.selectFrom('audit_events').select(['type', 'step_id', 'data']).where('chain_id', '=', `alerts:${wf}.run`).orderBy('seq').execute();
  expect(alerts.map((a) => [(a.data as { kind: string }).kind, a.step_id]).sort()).toEqual([['rto-share', null], ['step-overrun', 'slow']]);
  const mine = received.filter((r) => (r.data as { runId?: string }).runId === `${wf}.run`);
  expect(mine.map((r) => r.data.kind).sort()).toEqual(['rto-share', 'step-overrun']);
  expect(mine.every((r) => r.data.owner === `owner-${tag}@example`)).toBe(true);
});

test('a drill due in a blackout window waits for its end, and the deferral is audited', async () => {
  const id = `drill-${svcBlack}-${svcBlack}-drill`;
  const blackoutEnd = inventory.blackouts[1].end!;
  const wf = await triggerAndFind(id);
  const result = await client.workflow.getHandle(wf).result();
  expect(result.deferredUntil).toBe(new Date(blackoutEnd).toISOString());
  const events = await db.selectFrom('audit_events').select(['type', 'actor', 'data', 'at']).where('chain_id', '=', `${wf}.run`).orderBy('seq').execute();
  expect(events[0].type).toBe('drill.deferred');
  expect(events[0].actor).toBe(`schedule:${id}`);
  expect(events[0].data).toMatchObject({ service: svcBlack, blackouts: [`freeze-${tag}`], deferredUntil: new Date(blackoutEnd).toISOString() });
  expect(events[1].type).toBe('run.started');
  const run = await db.selectFrom('runs').select(['started_at', 'initiator']).where('run_id', '=', `${wf}.run`).executeTakeFirstOrThrow();
  expect(run.started_at.getTime()).toBeGreaterThanOrEqual(Date.parse(blackoutEnd));
  expect(run.initiator).toBe(`schedule:${id}`);
});

test('a drill due in a recurring window (a weekday, from-to in the programme time zone) waits for the occurrence to end', async () => {
  const id = `drill-${svcRecurring}-${svcRecurring}-drill`;
  const wf = await triggerAndFind(id);
  const result = await client.workflow.getHandle(wf).result();
  expect(result.deferredUntil).toBe(new Date(recurringEnd).toISOString());
  const events = await db.selectFrom('audit_events').select(['type', 'data']).where('chain_id', '=', `${wf}.run`).orderBy('seq').execute();
  expect(events[0].type).toBe('drill.deferred');
  expect(events[0].data).toMatchObject({ service: svcRecurring, blackouts: [`hours-${tag}`], deferredUntil: new Date(recurringEnd).toISOString() });
  const run = await db.selectFrom('runs').select(['started_at']).where('run_id', '=', `${wf}.run`).executeTakeFirstOrThrow();
  expect(run.started_at.getTime()).toBeGreaterThanOrEqual(recurringEnd);
  // The rule is evaluated in workflow code (Intl time zone data): its history replays.
  const history = await client.workflow.getHandle(wf).fetchHistory();
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, wf);
}, 120_000);
