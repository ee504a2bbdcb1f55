/**
 * A campaign scheduled like a runbook (docs/campaigns.md, "Scheduling"), against the real dev server
 * (Schedules), the real worker wiring, the real audit database and the built CLI: `schedule create
 * --campaign` makes a Temporal Schedule whose action starts `scheduledCampaign`; triggered, the
 * campaign runs its phases and completes, its initiator (and its phases') `schedule:<id>`; a campaign
 * due in a blackout window waits for its end, the deferral in its trail; one that does not pass fails
 * its action; `schedule list|show|delete` show and remove it. Misuse: a bad campaign file or flag creates nothing, with file:line:col or the
 * flag named; a wrapper started straight on Temporal with an altered campaign starts no campaign.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ScheduleNotFoundError, WorkflowFailedError } from '@temporalio/client';
import { adapterRegistry } from '../../activities/adapters/index';
import { getRun } from '../../src/audit/runs';
import { getRunStory } from '../../src/audit/run-story';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { loadInventoryText } from '../../src/inventory/load';
import { programmeDb } from '../../src/inventory/tables';
import type { ScheduledCampaignInput, ScheduledCampaignResult } from '../../src/plan/programme';
import { loadCampaignFile } from '../../src/runbook/campaign-file';
import { campaignSchedule } from '../../src/schedules/campaign-spec';
import { recordCampaignSchedulePin, upsertSchedule } from '../../src/schedules/manage';
import { uniqueId } from '../support/db';
import { cliEnv, runCli } from '../support/cli';
import { testSigner } from '../support/signing';
import { workflowSuite } from '../support/temporal';
import { waitFor } from '../support/wait-for';

const suite = workflowSuite('sched-campaign');
const tag = uniqueId('c').slice(2, 10);
const svc = `camp-${tag}`;
const frozen = `frozen-${tag}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sched-campaign-'));
const created: string[] = [];

const runbook = (name: string, service: string) => `apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [ops@example]
services: [${service}]
objectives: { rto: 30s, rpo: 0s }
modes: [drill]
params:
  tag: { type: string, required: true }
steps:
  - id: go
    title: go
    kind: action
    action: { adapter: noop, input: { output: { tag: "\${{ params.tag }}" } } }
    marks: [rto.start, rto.end, rpo.measure]
`;
const campaign = (name: string, runbooks: string[]) => `apiVersion: drillbook/v1
kind: Campaign
name: ${name}
version: "2"
phases:
${runbooks.map((rb, i) => `  - id: phase-${i + 1}\n    runbook: ${rb}.yaml\n`).join('')}`;

let inventoryFile: string;
beforeAll(() => {
  writeFileSync(path.join(dir, 'one.yaml'), runbook(`one-${tag}`, svc));
  writeFileSync(path.join(dir, 'two.yaml'), runbook(`two-${tag}`, svc));
  writeFileSync(path.join(dir, 'cold.yaml'), runbook(`cold-${tag}`, frozen));
  writeFileSync(path.join(dir, 'cycle.yaml'), campaign(`cycle-${tag}`, ['one', 'two']));
  writeFileSync(path.join(dir, 'frozen.yaml'), campaign(`frozen-${tag}`, ['cold']));
  inventoryFile = path.join(dir, 'inventory.yaml');
  const service = (name: string, file: string) => `  - name: ${name}
    owner: ops@example
    criticality: high
    sites: [a]
    objectives: { rto: 30s, rpo: 0s }
    runbooks:
      - { file: ${file}, params: { tag: x } }
`;
  writeFileSync(
    inventoryFile,
    `apiVersion: drillbook/v1
kind: ServiceInventory
timezone: Asia/Seoul
services:
${service(svc, 'one.yaml')}${service(frozen, 'cold.yaml')}blackouts:
  - name: freeze-${tag}
    start: "${new Date(Date.now() - 60_000).toISOString()}"
    end: "${new Date(Date.now() + 3_600_000).toISOString()}"
    services: [${frozen}]
`,
  );
});

afterAll(async () => {
  for (const id of created) await suite.client?.schedule.getHandle(id).delete().catch(() => undefined);
});

const cli = (args: string[]) => runCli(args, { env: cliEnv(suite.db, { DRILLBOOK_TASK_QUEUE: suite.taskQueue }) });

/** Triggers the schedule and answers the id of the workflow its action started. */
async function trigger(scheduleId: string): Promise<string> {
  const handle = suite.client.schedule.getHandle(scheduleId);
  await handle.trigger();
  let workflowId = '';
  await waitFor(async () => {
    workflowId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId ?? '';
    return workflowId !== '';
  }, 60_000);
  return workflowId;
}

test('schedule create --campaign, then trigger: the campaign runs and completes as schedule:<id>; list, show, delete', async () => {
  const scheduleId = `campaign-cycle-${tag}`;
  const made = await cli(['schedule', 'create', inventoryFile, '--campaign', path.join(dir, 'cycle.yaml'), '--months', 'JANUARY,JULY', '--day', '15', '--at', '03:00', '-p', `tag=${tag}`, '--json']);
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
  created.push(scheduleId);
  expect(JSON.parse(made.stdout)).toEqual([expect.objectContaining({ scheduleId, action: 'created', campaign: `cycle-${tag}`, phases: ['phase-1', 'phase-2'], blackouts: [] })]);

  // The calendar: the 15th of January and July, 03:00 in the inventory's time zone (Asia/Seoul).
  const described = await suite.client.schedule.getHandle(scheduleId).describe();
  expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'scheduledCampaign' });
  for (const t of described.info.nextActionTimes) {
    const seoul = new Date(t.getTime() + 9 * 3600_000);
    expect([seoul.getUTCMonth() === 0 || seoul.getUTCMonth() === 6, seoul.getUTCDate(), seoul.getUTCHours()]).toEqual([true, 15, 3]);
  }

  const wrapperId = await trigger(scheduleId);
  const outcome = await suite.client.workflow.getHandle(wrapperId).result() as ScheduledCampaignResult;
  expect(outcome).toMatchObject({ state: 'completed', verdict: 'pass' });
  expect(outcome.deferredUntil).toBeUndefined();
  const { campaignId } = outcome;
  expect(campaignId).toMatch(new RegExp(`^campaign-cycle-${tag}-[0-9a-f]{8}$`));

  // Its record: the campaign's row and each phase's run, started by the schedule, in the phases' order.
  expect(await getRun(suite.db, campaignId)).toMatchObject({ initiator: `schedule:${scheduleId}`, status: 'completed', verdict: 'pass', runbookName: `cycle-${tag}` });
  for (const phase of ['phase-1', 'phase-2']) {
    const run = await getRun(suite.db, `${campaignId}.${phase}`);
    expect([phase, run?.initiator, run?.status, run?.verdict]).toEqual([phase, `schedule:${scheduleId}`, 'completed', 'pass']);
    expect((await verifyAuditChain(suite.db, { chainId: `${campaignId}.${phase}` })).ok).toBe(true);
  }
  const own = await getRunStory(suite.db, campaignId);
  expect(own.events.map((e) => e.type)).toEqual(['run.started', 'campaign.phase_started', 'campaign.phase_ended', 'campaign.phase_started', 'campaign.phase_ended', 'run.completed']);
  expect((await verifyAuditChain(suite.db, { chainId: campaignId })).ok).toBe(true);

  // list and show tell a campaign schedule; the pin is audited.
  const listed = (JSON.parse((await cli(['schedule', 'list', '--json'])).stdout) as Array<{ scheduleId: string; pin?: { kind: string; runbook: string } }>).find((s) => s.scheduleId === scheduleId);
  expect(listed?.pin).toMatchObject({ kind: 'campaign', runbook: `cycle-${tag}` });
  const shown = await cli(['schedule', 'show', scheduleId]);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain(`starts scheduledCampaign`);
  expect(shown.stdout).toContain(`campaign cycle-${tag} 2 (drill)`);
  expect(shown.stdout).toContain(`started ${wrapperId}`);

  const deleted = await cli(['schedule', 'delete', scheduleId, '--reason', 'test over']);
  expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${scheduleId}\n` });
  await expect(suite.client.schedule.getHandle(scheduleId).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  expect(await programmeDb(suite.db).selectFrom('drill_schedules').select('schedule_id').where('schedule_id', '=', scheduleId).executeTakeFirst()).toBeUndefined();
  const audit = await suite.db.selectFrom('audit_events').select(['type', 'data']).where('chain_id', '=', 'programme').where('type', 'in', ['schedule.pinned', 'schedule.deleted']).execute();
  const mine = audit.filter((e) => (e.data as { scheduleId?: string }).scheduleId === scheduleId);
  expect(mine.map((e) => e.type)).toEqual(['schedule.pinned', 'schedule.deleted']);
  expect(mine[0].data).toMatchObject({ kind: 'campaign', runbook: `cycle-${tag}`, services: [svc] });
  expect((await cli(['schedule', 'show', scheduleId])).code).not.toBe(0);
});

test('a campaign due inside a blackout window of its service waits for its end; the deferral is in its trail', async () => {
  const loaded = loadInventoryText(
    `apiVersion: drillbook/v1
kind: ServiceInventory
timezone: Asia/Seoul
services:
  - name: ${frozen}
    owner: ops@example
    criticality: high
    sites: [a]
    objectives: { rto: 30s, rpo: 0s }
    runbooks:
      - { file: cold.yaml, params: { tag: x } }
blackouts:
  - name: short-${tag}
    start: "${new Date(Date.now() - 60_000).toISOString()}"
    end: "${new Date(Date.now() + 10_000).toISOString()}"
    services: [${frozen}]
`,
    path.join(dir, 'short.yaml'),
    adapterRegistry,
  );
  expect(loaded.diagnostics).toEqual([]);
  const { campaign: c } = await loadCampaignFile(path.join(dir, 'frozen.yaml'), { registry: adapterRegistry });
  const { definition, errors } = campaignSchedule(
    loaded.inventory!,
    c!,
    { schedule: { months: ['JANUARY'], day: 1, at: '10:00', catchupWindow: 86_400_000, pauseOnFailure: true }, params: { tag } },
    { taskQueue: suite.taskQueue, now: new Date(), signer: await testSigner() },
  );
  expect(errors).toEqual([]);
  await upsertSchedule(suite.client, definition!.options);
  created.push(definition!.scheduleId);
  await recordCampaignSchedulePin(suite.db, definition!, 'tester');

  const wrapperId = await trigger(definition!.scheduleId);
  const outcome = await suite.client.workflow.getHandle(wrapperId).result() as ScheduledCampaignResult;
  expect(outcome).toMatchObject({ state: 'completed', verdict: 'pass' });
  const story = await getRunStory(suite.db, outcome.campaignId);
  expect(story.events[0]).toMatchObject({ type: 'drill.deferred', actor: `schedule:${definition!.scheduleId}`, data: expect.objectContaining({ blackouts: [`short-${tag}`], campaign: `frozen-${tag}` }) });
  expect(story.events[1].type).toBe('run.started');
  expect(story.run!.startedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(outcome.deferredUntil!));
  expect((await verifyAuditChain(suite.db, { chainId: outcome.campaignId })).ok).toBe(true);

  // Misuse: the pinned campaign, altered (another param), started straight on Temporal: refused, nothing runs.
  const pinned = definition!.input;
  const forged: ScheduledCampaignInput = { ...pinned, blackouts: [], campaign: { ...pinned.campaign, phases: pinned.campaign.phases.map((p) => ({ ...p, run: { ...p.run, params: { tag: 'evil' } } })) } };
  const raw = await suite.client.workflow.start('scheduledCampaign', { workflowId: uniqueId('forged'), taskQueue: suite.taskQueue, args: [forged] });
  const failure = await raw.result().then(() => undefined, (err: WorkflowFailedError) => err.cause?.message ?? err.message);
  expect(failure).toMatch(/not started through the front door: the signature does not match/);
});

test('a scheduled campaign that does not pass fails its action (non-retryable, for pause-on-failure)', async () => {
  writeFileSync(
    path.join(dir, 'broken.yaml'),
    runbook(`broken-${tag}`, svc).replace(
      /steps:[\s\S]*$/,
      'steps:\n  - id: check\n    title: check\n    kind: check\n    probe: { adapter: noop, input: { output: { ok: false } } }\n    expect: output.ok == true\n    onFailure: abort\n',
    ),
  );
  writeFileSync(path.join(dir, 'failing.yaml'), campaign(`failing-${tag}`, ['broken']).replace('runbook: broken.yaml', 'runbook: broken.yaml\n    onFailure: abort'));
  const scheduleId = `campaign-failing-${tag}`;
  const made = await cli(['schedule', 'create', inventoryFile, '--campaign', path.join(dir, 'failing.yaml'), '--months', 'JULY', '--day', '1', '-p', `tag=${tag}`]);
  expect(made.code).toBe(0);
  created.push(scheduleId);
  const wrapperId = await trigger(scheduleId);
  const failure = await suite.client.workflow.getHandle(wrapperId).result().then(() => undefined, (err: WorkflowFailedError) => err.cause?.message ?? err.message);
  expect(failure).toMatch(new RegExp(`^scheduled campaign campaign-failing-${tag}-[0-9a-f]{8} ended aborted with verdict fail$`));
});

test('a bad campaign file or flag creates no schedule: the campaign error at file:line:col, the flag by name', async () => {
  writeFileSync(path.join(dir, 'bad.yaml'), campaign(`bad-${tag}`, ['one']).replace('phases:', 'colour: blue\nphases:'));
  const bad = await cli(['schedule', 'create', inventoryFile, '--campaign', path.join(dir, 'bad.yaml'), '--months', 'JULY', '--day', '1', '-p', `tag=${tag}`]);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(new RegExp(`bad\\.yaml:5:1: .*colour`));
  expect(bad.stderr).toContain('no schedule was created');
  await expect(suite.client.schedule.getHandle(`campaign-bad-${tag}`).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

  const cycle = path.join(dir, 'cycle.yaml');
  const day = await cli(['schedule', 'create', inventoryFile, '--campaign', cycle, '--months', 'JULY', '--day', '31', '-p', `tag=${tag}`]);
  expect(day.code).toBe(2);
  expect(day.stderr).toMatch(/--day: /);
  const month = await cli(['schedule', 'create', inventoryFile, '--campaign', cycle, '--months', 'JULI', '--day', '1', '-p', `tag=${tag}`]);
  expect(month.code).toBe(2);
  expect(month.stderr).toMatch(/--months: /);
  const param = await cli(['schedule', 'create', inventoryFile, '--campaign', cycle, '--months', 'JULY', '--day', '1', '-p', 'nope=1']);
  expect(param.code).toBe(2);
  expect(param.stderr).toContain('unknown param "nope"');
  await expect(suite.client.schedule.getHandle(`campaign-cycle-${tag}`).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
});
