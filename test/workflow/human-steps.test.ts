/**
 * Human steps in the interpreter, against the real dev server, worker wiring and audit database:
 * manual steps waiting for a confirm with evidence, approvals (four-eyes, N distinct approvers,
 * timeouts, reminders, escalation) and guards (pause or abort on violation). Waits are short
 * timeouts, never real hours.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { getRunStory } from '../../src/audit/run-story';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { adapterRegistry } from '../../activities/adapters/index';
import { loadRunbookText } from '../../src/runbook/load';
import type { RunningWorkers } from '../../src/temporal/worker';
import { approveStep, confirmStep, decideOnFailure, getProgress } from '../../src/plan/run-messages';
import type { runDrill } from '../../workflows/run-drill/run-drill';
import { testDb } from '../support/db';
import { testClient, testWorkers, uniqueQueue } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { startSignedRun, signed } from '../support/signing';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let workers: RunningWorkers;
let server: http.Server;
let base: string;
const taskQueue = uniqueQueue('human');
/** Webhook bodies received, by path. */
const received: { path: string; body: { message?: string } }[] = [];
/** The guarded value the loopback API reports (`/health`). */
let healthy = true;

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
  workers = await testWorkers(db, taskQueue);
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (req.method === 'POST') received.push({ path, body: text ? JSON.parse(text) : {} });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ healthy }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await workers?.shutdown();
  await closeClient?.();
  server?.close();
  await db?.destroy();
});

const header = `
apiVersion: drillbook/v1
name: human-test
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 10m }
modes: [drill]
params:
  base: { type: string, required: true }
`;

async function start(body: string): Promise<WorkflowHandle<typeof runDrill>> {
  const { plan, planHash, diagnostics } = loadRunbookText(header + body, 'human.yaml', { registry: adapterRegistry });
  if (!plan || !planHash) throw new Error(`runbook invalid: ${JSON.stringify(diagnostics)}`);
  return startSignedRun(client, { plan, planHash, mode: 'drill', params: { base }, initiator: 'alice', reason: 'human test', taskQueue });
}

test('a manual step waits for a confirm with its required evidence; a confirm without it is refused and not recorded', async () => {
  const handle = await start(`
steps:
  - id: call-bank
    title: Call the bank's DR desk
    kind: manual
    instructions: "Call **+82 2 000** and open a ticket."
    evidenceFields:
      - { name: ticketUrl }
      - { name: note, required: false }
  - id: after
    title: after
    kind: action
    needs: [call-bank]
    action: { adapter: noop, input: { output: { ok: true } } }
`);
  await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'call-bank');
  const progress = await handle.query(getProgress);
  expect(progress.waiting![0]).toMatchObject({ kind: 'manual', role: 'operator', instructions: expect.stringContaining('+82') });
  expect(progress.steps.find((s) => s.id === 'call-bank')!.state).toBe('waiting');

  expect(await refusal(handle.executeUpdate(confirmStep, { args: [await signed('confirm', handle.workflowId, { stepId: 'call-bank', actor: 'bob', evidence: { note: 'x' } })] }))).toMatch(
    /missing required evidence: ticketUrl/,
  );
  expect(await refusal(handle.executeUpdate(confirmStep, { args: [await signed('confirm', handle.workflowId, { stepId: 'after', actor: 'bob', evidence: {} })] }))).toMatch(/not a manual step waiting/);
  expect(await refusal(handle.executeUpdate(confirmStep, { args: [await signed('confirm', handle.workflowId, { stepId: 'call-bank', actor: 'bob', evidence: { ticketUrl: 'T-1', tikket: 'x' } })] }))).toMatch(
    /unknown evidence field "tikket"/,
  );
  await handle.executeUpdate(confirmStep, { args: [await signed('confirm', handle.workflowId, { stepId: 'call-bank', actor: 'bob', evidence: { ticketUrl: 'https://tickets/T-1' } })] });
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps['call-bank'].output).toMatchObject({ confirmedBy: 'bob', evidence: { ticketUrl: 'https://tickets/T-1' } });

  const story = await getRunStory(db, handle.workflowId);
  const confirmed = story.events.filter((e) => e.type === 'step.confirmed');
  expect(confirmed).toHaveLength(1);
  expect(confirmed[0].actor).toBe('bob');
  expect(confirmed[0].data).toMatchObject({ evidence: { ticketUrl: 'https://tickets/T-1' } });
  // Refused updates never reached history: the history has exactly one accepted update.
  const history = await handle.fetchHistory();
  const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(accepted).toHaveLength(1);
  expect((await verifyAuditChain(db, { chainId: handle.workflowId })).ok).toBe(true);
});

test('a manual step with a short timeout fails and pauses; skip with a reason goes on (a long wait without waiting)', async () => {
  const handle = await start(`
steps:
  - id: slow-human
    title: nobody answers
    kind: manual
    instructions: wait
    timeout: 300ms
  - id: after
    title: after
    kind: action
    needs: [slow-human]
    action: { adapter: noop, input: {} }
`);
  await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'slow-human');
  expect((await handle.query(getProgress)).state).toBe('paused');
  await handle.executeUpdate(decideOnFailure, { args: [await signed('decide', handle.workflowId, { stepId: 'slow-human', decision: 'skip', reason: 'desk unreachable, done by phone', actor: 'bob' })] });
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.verdict).toBe('partial');
  expect(result.steps['slow-human'].state).toBe('skipped');
  expect(result.steps.after.state).toBe('completed');
});

test('an approval needs N distinct approvers with the role, never the initiator; reminders go out while it waits', async () => {
  const handle = await start(`
steps:
  - id: go-no-go
    title: Go / no-go for the failover
    kind: approval
    role: approver
    approvers: 2
    instructions: Check the dashboard first.
    remind: { every: 200ms, notify: { input: { url: "\${{ params.base }}/remind", message: "approval waiting" } } }
  - id: after
    title: after
    kind: action
    needs: [go-no-go]
    action: { adapter: noop, input: {} }
`);
  await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.kind === 'approval');
  const approve = async (actor: string, roles = ['approver']) => handle.executeUpdate(approveStep, { args: [await signed('approve', handle.workflowId, { stepId: 'go-no-go', actor, roles })] });
  expect(await refusal(approve('alice'))).toMatch(/alice started this run and can never approve it/);
  expect(await refusal(approve('mallory', ['operator']))).toMatch(/needs the role "approver"/);
  await approve('bob');
  expect(await refusal(approve('bob'))).toMatch(/bob has already approved/);
  expect((await handle.query(getProgress)).waiting![0].approvedBy).toEqual(['bob']);
  await waitFor(async () => received.filter((r) => r.path === '/remind').length >= 2);
  await approve('carol');
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps['go-no-go'].output).toEqual({ approvedBy: ['bob', 'carol'] });
  const story = await getRunStory(db, handle.workflowId);
  expect(story.events.filter((e) => e.type === 'approval.granted').map((e) => e.actor)).toEqual(['bob', 'carol']);
  expect(story.events.filter((e) => e.type === 'approval.reminded').length).toBeGreaterThanOrEqual(2);
});

test('an approval timeout with onTimeout: abort aborts the run; with escalate it notifies and keeps waiting', async () => {
  const aborted = await start(`
steps:
  - id: done-first
    title: done first
    kind: action
    action: { adapter: noop, input: {} }
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo" } }
  - id: gate
    title: gate
    kind: approval
    needs: [done-first]
    role: approver
    timeout: 300ms
    onTimeout: abort
`);
  const result = await aborted.result();
  expect(result.state).toBe('aborted');
  expect(result.steps.gate.state).toBe('failed');
  expect(received.some((r) => r.path === '/undo')).toBe(true);
  const story = await getRunStory(db, aborted.workflowId);
  expect(story.events.map((e) => e.type)).toEqual(expect.arrayContaining(['approval.timed_out', 'run.abort_requested', 'compensation.completed', 'run.aborted']));

  const escalated = await start(`
steps:
  - id: gate
    title: gate
    kind: approval
    role: approver
    timeout: 300ms
    onTimeout: escalate
    escalate: { input: { url: "\${{ params.base }}/escalate", message: "nobody approved: paging the duty manager" } }
`);
  await waitFor(async () => received.some((r) => r.path === '/escalate'));
  expect((await escalated.query(getProgress)).waiting?.[0]).toMatchObject({ stepId: 'gate', kind: 'approval' });
  await escalated.executeUpdate(approveStep, { args: [await signed('approve', escalated.workflowId, { stepId: 'gate', actor: 'dave', roles: ['approver'] })] });
  expect((await escalated.result()).state).toBe('completed');
  const events = (await getRunStory(db, escalated.workflowId)).events.map((e) => e.type);
  expect(events).toEqual(expect.arrayContaining(['approval.timed_out', 'approval.escalated', 'approval.granted']));
});

test('a guard violation pauses new steps until a decision; a guard with onViolation: abort aborts', async () => {
  healthy = true;
  const paused = await start(`
guards:
  - id: primary-healthy
    title: the primary stays healthy
    probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/health" } }
    expect: output.json.healthy == true
    every: 100ms
steps:
  - id: hold
    title: hold
    kind: wait
    duration: 1500ms
  - id: next
    title: next
    kind: action
    needs: [hold]
    action: { adapter: noop, input: {} }
`);
  await waitFor(async () => (await paused.query(getProgress)).guards?.[0]?.state === 'watching');
  healthy = false;
  await waitFor(async () => (await paused.query(getProgress)).awaitingDecision?.stepId === 'guard:primary-healthy');
  // The wait finishes, but `next` is held while the guard's decision is open.
  await waitFor(async () => (await paused.query(getProgress)).steps.find((s) => s.id === 'hold')!.state === 'completed');
  await new Promise((r) => setTimeout(r, 300));
  expect((await paused.query(getProgress)).steps.find((s) => s.id === 'next')!.state).toBe('pending');
  expect(await refusal(paused.executeUpdate(decideOnFailure, { args: [await signed('decide', paused.workflowId, { stepId: 'guard:primary-healthy', decision: 'skip', actor: 'bob' })] }))).toMatch(/reason/);
  await paused.executeUpdate(decideOnFailure, { args: [await signed('decide', paused.workflowId, { stepId: 'guard:primary-healthy', decision: 'skip', reason: 'known maintenance', actor: 'bob' })] });
  expect((await paused.result()).state).toBe('completed');
  const types = (await getRunStory(db, paused.workflowId)).events.map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['guard.violated', 'run.paused', 'decision.applied']));

  const aborting = await start(`
guards:
  - id: primary-healthy
    title: the primary stays healthy
    probe: { adapter: http, input: { method: GET, url: "\${{ params.base }}/health" } }
    expect: output.json.healthy == true
    every: 100ms
    onViolation: abort
steps:
  - id: hold
    title: hold
    kind: wait
    duration: 1h
`);
  const result = await aborting.result();
  expect(result.state).toBe('aborted');
  expect(result.steps.hold.state).toBe('cancelled');
  healthy = true;
});

async function refusal(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    const e = err as { cause?: { message?: string }; message: string };
    return e.cause?.message ?? e.message;
  }
  throw new Error('the update was accepted');
}

