/**
 * Records replay fixtures (test/fixtures/histories/*.json) with today's interpreter: each case runs a
 * small runbook on the dev server through drillbook's real workers and saves the finished run's
 * history. replay.test.ts then replays every JSON in that folder, so a change to `runDrill` that
 * changes its commands fails there. Only runs when asked, and only records the files that are missing:
 *   RECORD_HISTORIES=1 npx jest test/workflow/record-histories.test.ts
 * (delete a fixture to record it anew, and only after a deliberate, patched change).
 *
 * What each covers:
 * - run-drill-decide-abort.json: a failing step retried by decision, failing again, then the run
 *   aborted (a's undo runs). The fixture in the repository was recorded before signed actions and
 *   keeps the unpatched path replaying: a recording today takes the signed path.
 * - run-drill-signed-approve-decide.json: a signed start, approval and decisions (retry, then skip).
 * - run-drill-abort-mid-step.json: an abort while a step without an undo runs, after a step with one.
 * - run-drill-human-steps.json: a manual step confirmed with evidence, then an approval with a
 *   reminder (a timer and a notice activity) approved (human-steps-2026-11, new branch).
 * - run-drill-guard-pause.json: a guard violation pauses the run; the operator decides retry, the
 *   guard is watched again and the run completes.
 * - run-drill-guard-abort.json: a guard with onViolation: abort aborts while a step with an undo
 *   runs: its activity is waited for (undo-cancelled-steps-2026-11, new branch), its recorded result
 *   read back, and both undos run in reverse (abort-flush-barrier-2026-12).
 * - run-drill-sequence-completed.json: a local sequence (a member skipped by `when`, a member that
 *   fails with onFailure: continue) completes and a step reads a member's output.
 * - run-drill-sequence-failed.json: a sequence member fails for good: the run pauses on the
 *   sequence, the operator skips it (its unfinished members skipped) and the run goes on.
 * - run-drill-sequence-cancelled.json: an abort while a sequence runs: the sequence is waited for,
 *   the members it completed read back and undone in reverse.
 * - scheduled-campaign-deferred.json and run-campaign-scheduled.json: a campaign schedule's action
 *   (`scheduledCampaign`): its grant verified, a blackout deferral (drill.deferred, a timer), the
 *   campaign as a child; the campaign's own history, its start a schedule's grant
 *   (scheduled-campaign-2026-12), its phase granted by the schedule.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { getProgress } from '../../src/plan/run-messages';
import type { runDrill } from '../../workflows/run-drill/run-drill';
import { stepState, workflowSuite } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { answerJson } from '../support/scripted-api';
import { sendSigned, signed, testSigner } from '../support/signing';
import { adapterRegistry } from '../../activities/adapters/index';
import { abortCampaign, decideOnPhase, getCampaignProgress } from '../../src/plan/campaign';
import { campaignInput } from '../../src/runbook/campaign';
import { loadCampaignFile } from '../../src/runbook/campaign-file';
import { startCampaign } from '../../src/temporal/start-campaign';
import type { ScheduledCampaignResult } from '../../src/plan/programme';
import { campaignSchedule } from '../../src/schedules/campaign-spec';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { cutover, healthGuard, HOLD_THEN_NEXT, REFUSED_MEMBER, sequenceMember as member, SKIPPED_IN_DRILL_MEMBER } from '../support/runbook-steps';

const dir = path.join(__dirname, '..', 'fixtures', 'histories');
const recording = Boolean(process.env.RECORD_HISTORIES);

/** What the loopback API's `/health` reports (the guards' probe). */
let healthy = true;
const wf = workflowSuite(
  'record',
  (p, res) => {
    // Answers late: a step still running when the run is aborted.
    if (p.startsWith('/slow')) setTimeout(() => answerJson(res, {}), 3000);
    else answerJson(res, { path: p, healthy, token: 'tk-1' });
  },
  { enabled: recording },
);

type Handle = WorkflowHandle<typeof runDrill>;

/** Records `file` (only when RECORD_HISTORIES is set and the file is missing): runs `yaml`, lets `drive` steer it, saves its history. */
function record(file: string, yaml: string, drive: (handle: Handle) => Promise<void>): void {
  const run = recording && !existsSync(path.join(dir, file)) ? test : test.skip;
  run(`record ${file}`, async () => {
    const handle = await startRunbook(wf, yaml, { params: { base: wf.api.base }, reason: 'fixture', file: `${file}.yaml` });
    await drive(handle);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, file), historyToJSON(await handle.fetchHistory()));
  });
}

const header = (name: string) => runbookHeader(name, { objectives: 'rto: 1m', modes: 'drill, failover', base: true });

/** A step done first, with an undo (undone when the run aborts). */
const prepare = `
  - id: prepare
    title: done, with an undo
    kind: action
    action: { adapter: noop, input: {} }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/prepare" } }
`;

record(
  'run-drill-human-steps.json',
  `${header('replay-human-fixture')}
steps:
  - id: call-bank
    title: call the bank
    kind: manual
    instructions: Call the DR desk.
    evidenceFields:
      - { name: ticketUrl }
  - id: go
    title: go / no-go
    kind: approval
    needs: [call-bank]
    role: approver
    approvers: 1
    remind: { every: 300ms, notify: { input: { url: "\${{ params.base }}/remind", message: "approval waiting" } } }
  - id: after
    title: after
    kind: action
    needs: [go]
    action: { adapter: noop, input: { output: { ok: true } } }
`,
  async (handle) => {
    await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'call-bank');
    await sendSigned(handle, 'confirm', { stepId: 'call-bank', actor: 'bob', evidence: { ticketUrl: 'https://tickets/T-1' } });
    await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'go');
    await waitFor(async () => wf.api.calls.includes('POST /remind'));
    await sendSigned(handle, 'approve', { stepId: 'go', actor: 'carol', roles: ['approver'], comment: 'go' });
    expect((await handle.result()).state).toBe('completed');
  },
);

record(
  'run-drill-guard-pause.json',
  `${header('replay-guard-pause-fixture')}${healthGuard('pause')}steps:${HOLD_THEN_NEXT}`,
  async (handle) => {
    healthy = true;
    await waitFor(async () => (await handle.query(getProgress)).guards?.[0]?.state === 'watching');
    healthy = false;
    await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'guard:primary-healthy');
    await waitFor(async () => (await stepState(handle, 'hold')) === 'completed');
    healthy = true;
    await sendSigned(handle, 'decide', { stepId: 'guard:primary-healthy', decision: 'retry', actor: 'bob' });
    expect((await handle.result()).state).toBe('completed');
  },
);

record(
  'run-drill-guard-abort.json',
  `${header('replay-guard-abort-fixture')}${healthGuard('abort')}
steps:${prepare}  - id: slow
    title: still running at the violation, with an undo
    kind: action
    needs: [prepare]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/slow/guarded" } }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/slow" } }
`,
  async (handle) => {
    healthy = true;
    await waitFor(async () => wf.api.calls.includes('POST /slow/guarded'));
    healthy = false;
    const result = await handle.result();
    healthy = true;
    expect(result.state).toBe('aborted');
    expect(wf.api.calls).toContain('POST /undo/prepare');
  },
);

record(
  'run-drill-sequence-completed.json',
  `${header('replay-sequence-completed-fixture')}
steps:${cutover('local: true')}${member('fence')}${SKIPPED_IN_DRILL_MEMBER}
      - id: optional
        title: fails, and the sequence goes on
        kind: action
        onFailure: continue
        action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/refused", expect: { json: { ready: 'never' } } } }
  - id: after
    title: reads a member's output
    kind: action
    needs: [cutover]
    action: { adapter: noop, input: { output: { token: "\${{ steps.fence.output.json.token }}" } } }
`,
  async (handle) => {
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(result.steps.optional.state).toBe('failed');
  },
);

record(
  'run-drill-sequence-failed.json',
  `${header('replay-sequence-failed-fixture')}
steps:${cutover()}${member('undo-a')}${REFUSED_MEMBER}${member('never-run')}
  - id: later
    title: runs after the skip
    kind: action
    needs: [cutover]
    action: { adapter: noop, input: {} }
`,
  async (handle) => {
    await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'cutover');
    await sendSigned(handle, 'decide', { stepId: 'cutover', decision: 'skip', reason: 'fixture: done by hand', actor: 'bob' });
    const result = await handle.result();
    expect(result.state).toBe('completed');
    expect(result.steps['never-run'].state).toBe('skipped');
  },
);

record(
  'run-drill-sequence-cancelled.json',
  `${header('replay-sequence-cancelled-fixture')}
steps:${prepare}${cutover('needs: [prepare]')}${member('before-slow')}
      - id: slow
        title: answers after 3 s
        kind: action
        action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/slow/sequence" } }${member('after-slow')}
`,
  async (handle) => {
    await waitFor(async () => wf.api.calls.includes('POST /slow/sequence'));
    await sendSigned(handle, 'abort', { reason: 'fixture', actor: 'bob' });
    expect((await handle.result()).state).toBe('aborted');
    expect(wf.api.calls).toContain('POST /undo/before-slow');
  },
);

/** Waits until `stepId` failed a second time (its second execution) and waits for a decision. */
async function failedTwice(handle: Handle, stepId: string): Promise<void> {
  await waitFor(async () => {
    const p = await handle.query(getProgress);
    return p.awaitingDecision?.stepId === stepId && p.steps.find((s) => s.id === stepId)!.execution === 2;
  });
}

/** An action `flaky` (after `needs`) that fails at once: nothing listens on port 9. */
const unreachable = (title: string, needs: string) => `
  - id: flaky
    title: ${title}
    kind: action
    needs: [${needs}]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: GET, url: "http://127.0.0.1:9/unreachable" } }
`;

record(
  'run-drill-decide-abort.json',
  `${runbookHeader('replay-fixture', { objectives: 'rto: 1m, rpo: 0s', modes: 'drill, failover', base: true })}
steps:
  - id: a
    title: a
    kind: action
    action: { adapter: noop, input: { output: { n: 1 } } }
    marks: [rto.start]
    compensate: { adapter: noop, input: {} }
  - id: b
    title: b
    kind: action
    needs: [a]
    action: { adapter: noop, input: { output: { m: "\${{ steps.a.output.n + 1 }}" } } }
  - id: c
    title: c (skipped in drills)
    kind: action
    needs: [a]
    when: mode == 'failover'
    action: { adapter: noop, input: {} }
  - id: d
    title: d
    kind: check
    needs: [b, c]
    probe: { adapter: noop, input: { output: { ok: true } } }
    expect: output.ok
    until: { within: 5s, every: 100ms }
    marks: [rto.end]
  - id: soak
    title: soak
    kind: wait
    needs: [d]
    duration: 200ms${unreachable('fails once, then retried by decision', 'soak')}`,
  async (handle) => {
    // Pause on the failing step, decide retry (it fails again), then abort: compensation of a.
    await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'flaky');
    await sendSigned(handle, 'decide', { stepId: 'flaky', decision: 'retry', actor: 'bob' });
    await failedTwice(handle, 'flaky');
    await sendSigned(handle, 'abort', { reason: 'fixture', actor: 'bob' });
    await handle.result();
  },
);

record(
  'run-drill-signed-approve-decide.json',
  `${header('replay-signed-fixture')}
steps:
  - id: go
    title: go / no-go
    kind: approval
    role: approver
    approvers: 1${unreachable('fails, retried by decision, then skipped', 'go')}  - id: after
    title: after
    kind: action
    needs: [flaky]
    action: { adapter: noop, input: {} }
`,
  async (handle) => {
    await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'go');
    await sendSigned(handle, 'approve', { stepId: 'go', actor: 'bob', roles: ['approver'], comment: 'go' });
    await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'flaky');
    await sendSigned(handle, 'decide', { stepId: 'flaky', decision: 'retry', actor: 'carol' });
    await failedTwice(handle, 'flaky');
    await sendSigned(handle, 'decide', { stepId: 'flaky', decision: 'skip', reason: 'fixture: done by hand', actor: 'carol' });
    expect((await handle.result()).state).toBe('completed');
  },
);

record(
  'run-drill-abort-mid-step.json',
  `${header('replay-abort-mid-step-fixture')}
steps:
  - id: prepare
    title: done, with an undo
    kind: action
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/do/prepare" } }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/prepare" } }
  - id: slow
    title: still running at the abort, no undo
    kind: action
    needs: [prepare]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/slow" } }
`,
  async (handle) => {
    // The loopback API answers /slow after 3 s, so the abort lands while its activity runs.
    await waitFor(async () => wf.api.calls.includes('POST /slow'));
    await sendSigned(handle, 'abort', { reason: 'fixture', actor: 'bob' });
    expect((await handle.result()).state).toBe('aborted');
    expect(wf.api.calls).toContain('POST /undo/prepare');
  },
);

(recording && !existsSync(path.join(dir, 'run-campaign-retry-abort.json')) ? test : test.skip)('record run-campaign-retry-abort.json', async () => {
  const files = mkdtempSync(path.join(tmpdir(), 'campaign-fixture-'));
  const action = (id: string, url: string, extra = '') => `  - id: ${id}\n    title: ${id}\n    kind: action\n    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}${url}" } }\n${extra}`;
  writeFileSync(path.join(files, 'flaky.yaml'), `${header('replay-campaign-flaky')}steps:\n${action('call', '/campaign/flaky', '    retry: { attempts: 1 }\n    onFailure: abort\n')}`);
  writeFileSync(path.join(files, 'ok.yaml'), `${header('replay-campaign-ok')}steps:\n${action('measure', '/campaign/measure')}`);
  writeFileSync(
    path.join(files, 'undo.yaml'),
    `${header('replay-campaign-undo')}steps:\n${action('change', '/campaign/change', '    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/campaign/undo" } }\n')}${action('hold', '/slow/campaign', '    needs: [change]\n')}`,
  );
  const yaml = `apiVersion: drillbook/v1
kind: Campaign
name: replay-campaign-fixture
version: "1"
phases:
  - { id: first, runbook: flaky.yaml }
  - { id: second, runbook: ok.yaml, figures: [measure] }
  - { id: third, runbook: undo.yaml }
`;
  writeFileSync(path.join(files, 'campaign.yaml'), yaml);
  const { campaign, diagnostics } = await loadCampaignFile(path.join(files, 'campaign.yaml'), { registry: adapterRegistry, secretScope: false });
  if (!campaign) throw new Error(`campaign invalid: ${JSON.stringify(diagnostics)}`);
  // The history keeps the files' names, not where this machine put them.
  campaign.file = 'replay-campaign-fixture.yaml';
  for (const phase of campaign.phases) phase.plan.source = { file: phase.runbookFile };
  const { input } = campaignInput(campaign, { params: { base: wf.api.base }, initiator: 'alice', reason: 'fixture', taskQueue: wf.taskQueue });
  wf.api.failuresLeft.set('/campaign/flaky', 1);
  const handle = await startCampaign(wf.client, input!, { signer: await testSigner() });
  await waitFor(async () => (await handle.query(getCampaignProgress)).awaitingDecision?.phaseId === 'first');
  await handle.executeUpdate(decideOnPhase, { args: [await signed('decide', handle.workflowId, { stepId: 'first', decision: 'retry', actor: 'bob' })] });
  await waitFor(async () => wf.api.calls.includes('POST /slow/campaign'));
  await handle.executeUpdate(abortCampaign, { args: [await signed('abort', handle.workflowId, { reason: 'fixture', actor: 'bob' })] });
  const result = await handle.result();
  expect(result.phases.map((p) => p.state)).toEqual(['completed', 'completed', 'aborted']);
  expect(wf.api.calls).toContain('POST /campaign/undo');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'run-campaign-retry-abort.json'), historyToJSON(await handle.fetchHistory()));
});

const scheduledFixtures = ['scheduled-campaign-deferred.json', 'run-campaign-scheduled.json'];
(recording && scheduledFixtures.some((f) => !existsSync(path.join(dir, f))) ? test : test.skip)('record scheduled-campaign-deferred.json and run-campaign-scheduled.json', async () => {
  const files = mkdtempSync(path.join(tmpdir(), 'scheduled-campaign-fixture-'));
  writeFileSync(path.join(files, 'ok.yaml'), `${header('replay-scheduled-ok')}steps:\n  - id: measure\n    title: measure\n    kind: action\n    action: { adapter: http, input: { method: POST, url: "\${{ params.base }}/scheduled/measure" } }\n`);
  writeFileSync(path.join(files, 'campaign.yaml'), 'apiVersion: drillbook/v1\nkind: Campaign\nname: replay-scheduled-fixture\nversion: "1"\nphases:\n  - { id: only, runbook: ok.yaml }\n');
  const { campaign, diagnostics } = await loadCampaignFile(path.join(files, 'campaign.yaml'), { registry: adapterRegistry, secretScope: false });
  if (!campaign) throw new Error(`campaign invalid: ${JSON.stringify(diagnostics)}`);
  campaign.file = 'replay-scheduled-fixture.yaml';
  for (const phase of campaign.phases) phase.plan.source = { file: phase.runbookFile };
  const now = Date.now();
  const { definition } = campaignSchedule(
    { timezone: 'UTC', blackouts: [{ name: 'fixture-freeze', start: new Date(now - 60_000).toISOString(), end: new Date(now + 3_000).toISOString() }] },
    campaign,
    { schedule: { months: ['JANUARY'], day: 1, at: '10:00', catchupWindow: 86_400_000, pauseOnFailure: true }, params: { base: wf.api.base } },
    { taskQueue: wf.taskQueue, now: new Date(now), signer: await testSigner() },
  );
  // Started as the schedule's action starts it (Temporal adds the action time to the id).
  const wrapper = await wf.client.workflow.start('scheduledCampaign', { workflowId: `scheduled-campaign-replay-fixture-${now}`, taskQueue: wf.taskQueue, args: [definition!.input] });
  const outcome = (await wrapper.result()) as ScheduledCampaignResult;
  expect(outcome).toMatchObject({ state: 'completed', verdict: 'pass' });
  expect(outcome.deferredUntil).toBeDefined();
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'scheduled-campaign-deferred.json'), historyToJSON(await wrapper.fetchHistory()));
  writeFileSync(path.join(dir, 'run-campaign-scheduled.json'), historyToJSON(await wf.client.workflow.getHandle(outcome.campaignId).fetchHistory()));
});
