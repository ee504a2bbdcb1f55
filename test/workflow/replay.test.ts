/**
 * Replays recorded histories of `runDrill` against today's workflow code: a change to the
 * interpreter that would break runs in flight fails here. An altered history must fail to replay.
 *
 * Every JSON in test/fixtures/histories is replayed. Record the fixtures that are missing (delete one
 * to record it anew, after a deliberate, patched change) with:
 *   RECORD_HISTORIES=1 npx jest test/workflow/replay.test.ts test/workflow/record-histories.test.ts
 * (record-histories.test.ts records the human-step, guard and sequence histories and says what each covers.)
 * run-drill-decide-abort.json was recorded before signed actions (signed-actions-2026-12): it keeps
 * the unpatched path replaying and can no longer be recorded; run-drill-signed-approve-decide.json is
 * a run whose start, approval and decisions were signed; run-drill-abort-mid-step.json is a run aborted
 * while a step without an undo ran (its activity cancelled without waiting) after a step with one:
 * it replays only with the abort-flush-barrier-2026-12 patch (see workflows/run-drill/patches.ts).
 * run-campaign-retry-abort.json is a campaign (runCampaign): phases as child runs, a retry decided,
 * an abort forwarded to the running phase.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import { workflowBundle } from '../../src/temporal/worker';
import { abortRun, approveStep, decideOnFailure, getProgress } from '../../src/plan/run-messages';
import { testDb } from '../support/db';
import { testClient, testWorkers, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { signed, startSignedRun } from '../support/signing';

const dir = path.join(__dirname, '..', 'fixtures', 'histories');

const runbook = `
apiVersion: drillbook/v1
name: replay-fixture
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m, rpo: 0s }
modes: [drill, failover]
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
    duration: 200ms
  - id: flaky
    title: fails once, then retried by decision
    kind: action
    needs: [soak]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: GET, url: "http://127.0.0.1:9/unreachable" } }
`;

const signedRunbook = `
apiVersion: drillbook/v1
name: replay-signed-fixture
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m }
modes: [drill]
steps:
  - id: go
    title: go / no-go
    kind: approval
    role: approver
    approvers: 1
  - id: flaky
    title: fails, retried by decision, then skipped
    kind: action
    needs: [go]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: GET, url: "http://127.0.0.1:9/unreachable" } }
  - id: after
    title: after
    kind: action
    needs: [flaky]
    action: { adapter: noop, input: {} }
`;

const abortMidStepRunbook = (base: string) => `
apiVersion: drillbook/v1
name: replay-abort-mid-step-fixture
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 1m }
modes: [drill]
steps:
  - id: prepare
    title: done, with an undo
    kind: action
    action: { adapter: http, input: { method: POST, url: "${base}/do/prepare" } }
    compensate: { adapter: http, input: { method: POST, url: "${base}/undo/prepare" } }
  - id: slow
    title: still running at the abort, no undo
    kind: action
    needs: [prepare]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: POST, url: "${base}/slow" } }
`;

if (process.env.RECORD_HISTORIES) {
  let db: Kysely<Database>;
  beforeAll(async () => {
    db = await testDb();
  });
  afterAll(async () => db?.destroy());

  const missing = (file: string) => !existsSync(path.join(dir, file));

  (missing('run-drill-decide-abort.json') ? test : test.skip)('record run-drill-decide-abort.json', async () => {
    const { client, close } = await testClient();
    const taskQueue = uniqueQueue('replay');
    const workers = await testWorkers(db, taskQueue);
    try {
      const { plan, planHash } = loadRunbookText(runbook, 'replay-fixture.yaml', { registry: adapterRegistry });
      const handle = await startSignedRun(client, { plan: plan!, planHash: planHash!, mode: 'drill', params: {}, initiator: 'alice', reason: 'fixture', taskQueue });
      // Pause on the failing step, decide retry (it fails again), then abort: compensation of a.
      await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'flaky');
      await handle.executeUpdate(decideOnFailure, { args: [await signed('decide', handle.workflowId, { stepId: 'flaky', decision: 'retry', actor: 'bob' })] });
      await waitFor(async () => {
        const p = await handle.query(getProgress);
        return p.awaitingDecision?.stepId === 'flaky' && p.steps.find((s) => s.id === 'flaky')!.execution === 2;
      });
      await handle.executeUpdate(abortRun, { args: [await signed('abort', handle.workflowId, { reason: 'fixture', actor: 'bob' })] });
      await handle.result();
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'run-drill-decide-abort.json'), historyToJSON(await handle.fetchHistory()));
    } finally {
      await workers.shutdown();
      await close();
    }
  });

  (missing('run-drill-signed-approve-decide.json') ? test : test.skip)('record run-drill-signed-approve-decide.json', async () => {
    const { client, close } = await testClient();
    const taskQueue = uniqueQueue('replay');
    const workers = await testWorkers(db, taskQueue);
    try {
      const { plan, planHash } = loadRunbookText(signedRunbook, 'replay-signed-fixture.yaml', { registry: adapterRegistry });
      const handle = await startSignedRun(client, { plan: plan!, planHash: planHash!, mode: 'drill', params: {}, initiator: 'alice', reason: 'fixture', taskQueue });
      const id = handle.workflowId;
      await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'go');
      await handle.executeUpdate(approveStep, { args: [await signed('approve', id, { stepId: 'go', actor: 'bob', roles: ['approver'], comment: 'go' })] });
      await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'flaky');
      await handle.executeUpdate(decideOnFailure, { args: [await signed('decide', id, { stepId: 'flaky', decision: 'retry', actor: 'carol' })] });
      await waitFor(async () => {
        const p = await handle.query(getProgress);
        return p.awaitingDecision?.stepId === 'flaky' && p.steps.find((s) => s.id === 'flaky')!.execution === 2;
      });
      await handle.executeUpdate(decideOnFailure, { args: [await signed('decide', id, { stepId: 'flaky', decision: 'skip', reason: 'fixture: done by hand', actor: 'carol' })] });
      expect((await handle.result()).state).toBe('completed');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'run-drill-signed-approve-decide.json'), historyToJSON(await handle.fetchHistory()));
    } finally {
      await workers.shutdown();
      await close();
    }
  });

  (missing('run-drill-abort-mid-step.json') ? test : test.skip)('record run-drill-abort-mid-step.json', async () => {
    const { client, close } = await testClient();
    const taskQueue = uniqueQueue('replay');
    const workers = await testWorkers(db, taskQueue);
    const calls: string[] = [];
    // Loopback: /slow answers after 3 s, so the abort lands while its activity runs.
    const server = http.createServer((req, res) => {
      calls.push(req.url ?? '/');
      const answer = () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      if (req.url === '/slow') setTimeout(answer, 3000);
      else answer();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const { plan, planHash } = loadRunbookText(abortMidStepRunbook(base), 'replay-abort-mid-step-fixture.yaml', { registry: adapterRegistry });
      const handle = await startSignedRun(client, { plan: plan!, planHash: planHash!, mode: 'drill', params: {}, initiator: 'alice', reason: 'fixture', taskQueue });
      await waitFor(async () => calls.includes('/slow'));
      await handle.executeUpdate(abortRun, { args: [await signed('abort', handle.workflowId, { reason: 'fixture', actor: 'bob' })] });
      expect((await handle.result()).state).toBe('aborted');
      expect(calls).toContain('/undo/prepare');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'run-drill-abort-mid-step.json'), historyToJSON(await handle.fetchHistory()));
    } finally {
      server.closeAllConnections();
      server.close();
      await workers.shutdown();
      await close();
    }
  });
} else {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];

  test('fixtures exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  test.each(files)('%s replays on the current workflow code', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(path.join(dir, file), 'utf8')));
    // Under its own workflow id: a signed start is bound to it.
    const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || `replay-${file}`;
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });

  test('a new run takes the signed path: its history holds the signed-actions patch marker and the keys its worker trusted', () => {
    const text = readFileSync(path.join(dir, 'run-drill-signed-approve-decide.json'), 'utf8');
    const history = historyFromJSON(JSON.parse(text));
    const decoded = history.events!.flatMap((e) =>
      Object.values(e.markerRecordedEventAttributes?.details ?? {}).map((p) => Buffer.from(p.payloads?.[0]?.data ?? []).toString('utf8')),
    );
    expect(decoded.some((d) => d.includes('signed-actions-2026-12'))).toBe(true);
    expect(decoded.some((d) => d.includes('trustedSigningKeys'))).toBe(true);
  });

  test.each(files)('%s altered (a step launched as another activity, a phase as another workflow) fails to replay', async (file) => {
    const json = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
    const scheduled = json.events.filter((e: { activityTaskScheduledEventAttributes?: unknown }) => e.activityTaskScheduledEventAttributes);
    // A campaign schedules no activity of its own: its phases are child workflows.
    const child = json.events.find((e: { startChildWorkflowExecutionInitiatedEventAttributes?: unknown }) => e.startChildWorkflowExecutionInitiatedEventAttributes);
    if (scheduled.length === 0) {
      child.startChildWorkflowExecutionInitiatedEventAttributes.workflowType.name = 'scheduledDrill';
    } else {
      // Swap the activity type of the first scheduled activity: the interpreter would never do that.
      const first = scheduled[0].activityTaskScheduledEventAttributes.activityType;
      first.name = first.name === 'probeCheck' ? 'executeAction' : 'probeCheck';
    }
    const history = historyFromJSON(json);
    // Under its own workflow id, so the signed start verifies and the swap is what fails the replay.
    const workflowId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowId || `replay-${file}`;
    await expect(Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId)).rejects.toThrow(
      scheduled.length ? /Activity type of scheduled event '[^']+' does not match activity type of activity command/ : /does not match child workflow type of command/,
    );
  });
}

