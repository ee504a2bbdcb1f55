/**
 * Campaigns against the real dev server, the real worker wiring and the real audit database: phases
 * in order as child runs, a failed phase paused for a decision (retry, skip, abort), an abort during
 * a phase that runs the phase's compensations, and one campaign record in the trail with each
 * phase's events once. Plus the misuse cases: unsigned or misdirected decisions, a phase started
 * outside its campaign, a forged abort sent straight to a phase.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import { adapterRegistry } from '../../activities/adapters/index';
import type { Database } from '../../src/audit/database';
import { getRun } from '../../src/audit/runs';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { verifyRunProjections } from '../../src/audit/verify-runs';
import { abortCampaign, abortFromCampaign, decideOnPhase, getCampaignProgress, type CampaignInput } from '../../src/plan/campaign';
import { getProgress } from '../../src/plan/run-messages';
import { campaignInput } from '../../src/runbook/campaign';
import { loadCampaignFile } from '../../src/runbook/campaign-file';
import { campaignIdFor, signedCampaignInput, startCampaign } from '../../src/temporal/start-campaign';
import type { runCampaign } from '../../workflows/campaign/campaign';
import { answerJson, startScriptedApi, type ScriptedApi } from '../support/scripted-api';
import { signed, testSigner } from '../support/signing';
import { startWorkflowHarness, type WorkflowHarness } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { refusalOf } from '../support/refusal';

let harness: WorkflowHarness;
let db: Kysely<Database>;
let client: Client;
let taskQueue: string;
let api: ScriptedApi;
const dir = mkdtempSync(path.join(tmpdir(), 'campaign-wf-'));

const runbook = (name: string, steps: string) => `apiVersion: drillbook/v1
name: ${name}
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m, rpo: 0s }
modes: [drill]
params:
  base: { type: string, required: true }
  tag: { type: string, default: x }
steps:
${steps}`;

beforeAll(async () => {
  harness = await startWorkflowHarness('campaign');
  ({ db, client, taskQueue } = harness);
  api = await startScriptedApi((p, res) => {
    // Answers late: a phase still running when the test aborts the campaign.
    if (p.startsWith('/slow')) setTimeout(() => answerJson(res, { p }), 4000);
    else answerJson(res, { p, capacity: { cores: 8 } });
  });
  writeFileSync(
    path.join(dir, 'ok.yaml'),
    runbook(
      'ok',
      `  - id: go
    title: go
    kind: action
    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/go/\${{ params.tag }}" } }
    marks: [rto.start]
  - id: measure
    title: measure
    kind: action
    needs: [go]
    action: { adapter: noop, input: { output: { lagMs: 0, cores: 8 } } }
    marks: [rto.end, rpo.measure]
`,
    ),
  );
  // Fails (and aborts its run) while the scripted API answers 500 on its path.
  writeFileSync(
    path.join(dir, 'flaky.yaml'),
    runbook(
      'flaky',
      `  - id: call
    title: call
    kind: action
    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/flaky/\${{ params.tag }}" } }
    retry: { attempts: 1 }
    onFailure: abort
`,
    ),
  );
  // A change with an undo, then a step that is still running when the campaign is aborted.
  writeFileSync(
    path.join(dir, 'undo.yaml'),
    runbook(
      'undo',
      `  - id: change
    title: change
    kind: action
    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/change/\${{ params.tag }}" } }
    compensate: { adapter: http, input: { method: GET, url: "\${{ params.base }}/undo/\${{ params.tag }}" } }
  - id: hold
    title: hold
    kind: action
    needs: [change]
    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/slow/\${{ params.tag }}", timeoutMs: 10000 } }
`,
    ),
  );
});

afterAll(async () => {
  await harness?.close();
  api?.close();
});

let seq = 0;
/** A campaign of `phases` (`id: runbook[: onFailure]`), each phase with a tag of its own. */
async function pinned(phases: string[], extra = ''): Promise<Omit<CampaignInput, 'auth'>> {
  const tag = `t${++seq}`;
  const yaml = `apiVersion: drillbook/v1
kind: Campaign
name: wf-campaign
version: "1"
phases:
${phases
  .map((p) => {
    const [id, file, onFailure = 'pause'] = p.split(':');
    return `  - id: ${id}\n    runbook: ${file}.yaml\n    onFailure: ${onFailure}\n    params: { tag: ${tag}-${id} }\n${file === 'ok' ? '    figures: [measure]\n' : ''}`;
  })
  .join('')}${extra}`;
  writeFileSync(path.join(dir, `c${seq}.yaml`), yaml);
  const { campaign, diagnostics } = await loadCampaignFile(path.join(dir, `c${seq}.yaml`), {
    registry: adapterRegistry,
    secretScope: false,
    inventory: { file: 'inventory.yaml', services: [{ name: 'payments', rtoMs: 30_000, rpoMs: 0 }] },
  });
  if (!campaign) throw new Error(`campaign invalid: ${JSON.stringify(diagnostics)}`);
  const { input, errors } = campaignInput(campaign, { params: { base: api.base }, initiator: 'alice', reason: 'test', taskQueue });
  if (!input) throw new Error(errors.join('\n'));
  return input;
}

async function start(phases: string[]): Promise<{ handle: WorkflowHandle<typeof runCampaign>; tag: string }> {
  const input = await pinned(phases);
  const handle = await startCampaign(client, input, { signer: await testSigner() });
  return { handle, tag: `t${seq}` };
}

async function events(runId: string): Promise<string[]> {
  const rows = await db.selectFrom('audit_events').select(['type', 'step_id']).where('run_id', '=', runId).orderBy('seq').execute();
  return rows.map((r) => (r.step_id ? `${r.type} ${r.step_id}` : r.type));
}

async function pausedOn(handle: WorkflowHandle<typeof runCampaign>, phaseId: string): Promise<void> {
  await waitFor(async () => (await handle.query(getCampaignProgress)).awaitingDecision?.phaseId === phaseId);
}

test('three phases pass in order, each a run of its own; the trail holds one campaign record and each phase once', async () => {
  const { handle, tag } = await start(['one:ok', 'two:ok', 'three:ok']);
  const result = await handle.result();
  const id = handle.workflowId;
  expect(result).toMatchObject({ state: 'completed', verdict: 'pass' });
  expect(result.phases.map((p) => [p.id, p.state, p.runId, p.verdict, p.rtoMet, p.rpoMet])).toEqual([
    ['one', 'completed', `${id}.one`, 'pass', true, true],
    ['two', 'completed', `${id}.two`, 'pass', true, true],
    ['three', 'completed', `${id}.three`, 'pass', true, true],
  ]);
  expect(result.phases[0].figures).toEqual({ measure: { lagMs: 0, cores: 8 } });
  expect(result.phases[0].targets).toEqual({ rtoMs: 30_000, rpoMs: 0, source: 'inventory' });
  expect(result.phases.every((p) => p.durationMs! >= 0)).toBe(true);
  expect(api.calls.filter((c) => c.includes(`/go/${tag}-`))).toEqual([`GET /go/${tag}-one`, `GET /go/${tag}-two`, `GET /go/${tag}-three`]);

  const progress = await handle.query(getCampaignProgress);
  expect(progress).toMatchObject({ state: 'completed', verdict: 'pass', campaign: 'wf-campaign' });

  // One campaign record: a runs row (its plan the campaign, hashed) and a chain of its own.
  const row = await getRun(db, id);
  expect(row).toMatchObject({ runbookName: 'wf-campaign', status: 'completed', verdict: 'pass', services: ['payments'], mode: 'drill' });
  expect(await events(id)).toEqual([
    'run.started',
    'campaign.phase_started one',
    'campaign.phase_ended one',
    'campaign.phase_started two',
    'campaign.phase_ended two',
    'campaign.phase_started three',
    'campaign.phase_ended three',
    'run.completed',
  ]);
  const end = await db.selectFrom('audit_events').select('data').where('run_id', '=', id).where('type', '=', 'run.completed').executeTakeFirstOrThrow();
  const record = (end.data as { campaign: { durationMs: number; phases: Array<{ id: string; rtoMs: number; figures?: unknown }> } }).campaign;
  expect(record.durationMs).toBeGreaterThan(0);
  expect(record.phases.map((p) => p.id)).toEqual(['one', 'two', 'three']);
  expect(record.phases[1].figures).toEqual({ measure: { lagMs: 0, cores: 8 } });
  for (const phase of ['one', 'two', 'three']) {
    const phaseEvents = await events(`${id}.${phase}`);
    expect(phaseEvents.filter((e) => e === 'run.started')).toHaveLength(1);
    expect(phaseEvents.filter((e) => e === 'step.completed go')).toHaveLength(1);
    expect(phaseEvents[phaseEvents.length - 1]).toBe('run.completed');
    expect((await verifyAuditChain(db, { chainId: `${id}.${phase}` })).ok).toBe(true);
  }
  expect((await verifyAuditChain(db, { chainId: id })).ok).toBe(true);
  // The campaign's row agrees with its chain, and its pinned campaign with its hash (`audit verify`).
  expect(await verifyRunProjections(db, { runId: id })).toMatchObject({ ok: true, runs: 1 });
});

test('a failed phase pauses the campaign: retry runs it again, skip goes on (partial); misdirected and unsigned decisions are refused', async () => {
  const { handle, tag } = await start(['first:flaky', 'second:flaky', 'third:ok']);
  const id = handle.workflowId;
  api.failuresLeft.set(`/flaky/${tag}-first`, 1);
  api.failuresLeft.set(`/flaky/${tag}-second`, 5);
  await pausedOn(handle, 'first');
  const paused = await handle.query(getCampaignProgress);
  expect(paused.state).toBe('paused');
  expect(paused.phases[0]).toMatchObject({ state: 'paused', runState: 'aborted', execution: 1 });

  // Misuse: unsigned, signed for another run, a phase not waiting, a skip without reason.
  expect(await refusalOf(handle.executeUpdate(decideOnPhase, { args: [{ stepId: 'first', decision: 'retry', actor: 'mallory' }] }))).toMatch(/not signed/);
  expect(await refusalOf(handle.executeUpdate(decideOnPhase, { args: [await signed('decide', `${id}.first`, { stepId: 'first', decision: 'retry', actor: 'bob' })] }))).toMatch(/does not match/);
  expect(await refusalOf(handle.executeUpdate(decideOnPhase, { args: [await signed('decide', id, { stepId: 'third', decision: 'retry', actor: 'bob' })] }))).toMatch(/not waiting/);
  expect(await refusalOf(handle.executeUpdate(decideOnPhase, { args: [await signed('decide', id, { stepId: 'first', decision: 'skip', actor: 'bob' })] }))).toMatch(/reason/);
  const retry = await signed('decide', id, { stepId: 'first', decision: 'retry', actor: 'bob' });
  await handle.executeUpdate(decideOnPhase, { args: [retry] });
  // A replay of an accepted decision is refused.
  await pausedOn(handle, 'second');
  expect(await refusalOf(handle.executeUpdate(decideOnPhase, { args: [{ ...retry, stepId: 'first' }] }))).toMatch(/replay|not waiting/);
  await handle.executeUpdate(decideOnPhase, { args: [await signed('decide', id, { stepId: 'second', decision: 'skip', reason: 'known outage', actor: 'bob' })] });

  const result = await handle.result();
  expect(result).toMatchObject({ state: 'completed', verdict: 'partial' });
  expect(result.phases.map((p) => [p.id, p.state, p.execution, p.runId])).toEqual([
    ['first', 'completed', 2, `${id}.first-2`],
    ['second', 'skipped', 1, `${id}.second`],
    ['third', 'completed', 1, `${id}.third`],
  ]);
  expect(result.phases[1].skipReason).toBe('skipped by bob: known outage');
  expect(await events(id)).toEqual([
    'run.started',
    'campaign.phase_started first',
    'campaign.phase_ended first',
    'run.paused first',
    'decision.applied first',
    'campaign.phase_started first',
    'campaign.phase_ended first',
    'campaign.phase_started second',
    'campaign.phase_ended second',
    'run.paused second',
    'decision.applied second',
    'campaign.phase_started third',
    'campaign.phase_ended third',
    'run.completed',
  ]);
  // Each execution is a run with a chain of its own, written once.
  expect((await events(`${id}.first`)).filter((e) => e === 'run.started')).toHaveLength(1);
  expect((await events(`${id}.first-2`)).filter((e) => e === 'run.started')).toHaveLength(1);
  expect((await getRun(db, `${id}.first`))?.status).toBe('aborted');
  expect((await getRun(db, `${id}.first-2`))?.verdict).toBe('pass');
});

test("abort decided on a failed phase stops the campaign; a phase whose onFailure is abort stops it without a pause", async () => {
  const { handle, tag } = await start(['first:flaky', 'second:ok']);
  api.failuresLeft.set(`/flaky/${tag}-first`, 1);
  await pausedOn(handle, 'first');
  await handle.executeUpdate(decideOnPhase, { args: [await signed('decide', handle.workflowId, { stepId: 'first', decision: 'abort', reason: 'not today', actor: 'bob' })] });
  const result = await handle.result();
  expect(result).toMatchObject({ state: 'aborted', verdict: 'fail' });
  expect(result.phases.map((p) => p.state)).toEqual(['failed', 'pending']);
  expect(api.calls).not.toContain(`GET /go/${tag}-second`);
  expect((await getRun(db, handle.workflowId))?.status).toBe('aborted');

  const second = await start(['first:flaky:abort', 'second:ok']);
  api.failuresLeft.set(`/flaky/${second.tag}-first`, 1);
  const stopped = await second.handle.result();
  expect(stopped).toMatchObject({ state: 'aborted', verdict: 'fail' });
  expect(await events(second.handle.workflowId)).toEqual(['run.started', 'campaign.phase_started first', 'campaign.phase_ended first', 'run.abort_requested', 'run.aborted']);
});

test("abort of the campaign during a phase aborts that phase's run, whose compensations run; no later phase starts; a forged abort is ignored", async () => {
  const { handle, tag } = await start(['first:ok', 'second:undo', 'third:ok']);
  const id = handle.workflowId;
  const phaseRun = client.workflow.getHandle(`${id}.second`);
  await waitFor(async () => api.calls.includes(`GET /slow/${tag}-second`));

  // Misuse: an abort signed for the phase's own run, sent as the campaign's, changes nothing.
  await phaseRun.signal(abortFromCampaign, await signed('abort', `${id}.second`, { reason: 'forged', actor: 'mallory' }));
  expect(await refusalOf(handle.executeUpdate(abortCampaign, { args: [{ reason: 'unsigned', actor: 'mallory' }] }))).toMatch(/not signed/);
  expect((await phaseRun.query(getProgress)).state).toBe('running');

  await handle.executeUpdate(abortCampaign, { args: [await signed('abort', id, { reason: 'stop the drill', actor: 'bob' })] });
  const result = await handle.result();
  expect(result).toMatchObject({ state: 'aborted', verdict: 'fail' });
  expect(result.phases.map((p) => [p.id, p.state, p.runState])).toEqual([
    ['first', 'completed', 'completed'],
    ['second', 'aborted', 'aborted'],
    ['third', 'pending', undefined],
  ]);
  expect(api.calls).toContain(`GET /undo/${tag}-second`);
  expect(api.calls).not.toContain(`GET /go/${tag}-third`);
  const phaseEvents = await events(`${id}.second`);
  expect(phaseEvents.filter((e) => e === 'run.abort_requested')).toHaveLength(1);
  expect(phaseEvents.filter((e) => e === 'compensation.completed change')).toHaveLength(1);
  const abort = await db.selectFrom('audit_events').select(['actor', 'data']).where('run_id', '=', `${id}.second`).where('type', '=', 'run.abort_requested').executeTakeFirstOrThrow();
  expect(abort.actor).toBe('bob');
  expect((abort.data as { reason: string }).reason).toBe('the campaign was aborted: stop the drill');
  expect(await events(id)).toEqual([
    'run.started',
    'campaign.phase_started first',
    'campaign.phase_ended first',
    'campaign.phase_started second',
    'run.abort_requested',
    'campaign.phase_ended second',
    'run.aborted',
  ]);
});

test("a phase's grant starts nothing outside its campaign; a campaign start not signed for its id does not begin", async () => {
  const input = await pinned(['solo:ok']);
  const campaignId = campaignIdFor('wf-campaign');
  const signedInput = signedCampaignInput(await testSigner(), campaignId, input);
  // The phase's run, started straight on Temporal with its genuine grant: no parent campaign.
  const raw = await client.workflow.start('runDrill', { workflowId: `${campaignId}.solo`, taskQueue, args: [signedInput.phases[0].run] });
  expect(await refusalOf(raw.result())).toMatch(/not started through the front door.*started by no campaign/);
  expect(await getRun(db, `${campaignId}.solo`)).toBeUndefined();
  // The campaign's signed input, started under another id.
  const other = await client.workflow.start('runCampaign', { workflowId: campaignIdFor('wf-campaign'), taskQueue, args: [signedInput] });
  expect(await refusalOf(other.result())).toMatch(/not started through the front door/);
  expect(await getRun(db, other.workflowId)).toBeUndefined();
});
