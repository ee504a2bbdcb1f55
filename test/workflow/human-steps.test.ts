/**
 * Human steps in the interpreter, against the real dev server, worker wiring and audit database:
 * manual steps waiting for a confirm with evidence, approvals (four-eyes, N distinct approvers,
 * timeouts, reminders, escalation) and guards (pause or abort on violation). Waits are short
 * timeouts, never real hours.
 */
import { getRunStory } from '../../src/audit/run-story';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { getProgress } from '../../src/plan/run-messages';
import { stepState, workflowSuite } from '../support/temporal';
import { answerJson } from '../support/scripted-api';
import { runbookHeader, startRunbook } from '../support/runbooks';
import { HOLD_THEN_NEXT, healthGuard } from '../support/runbook-steps';
import { waitFor } from '../support/wait-for';
import { sendSigned, updateRefusal } from '../support/signing';

/** The guarded value the loopback API reports (`/health`). */
let healthy = true;
const wf = workflowSuite('human', (_path, res) => answerJson(res, { healthy }));
/** Webhook bodies received, by path. */
const received = () => wf.api.posted;

const header = runbookHeader('human-test', { base: true });

/** Starts `header`, then `guards`, then `steps` (the YAML after `steps:`). */
async function start(steps: string, guards = '') {
  return startRunbook(wf, `${header}${guards}steps:${steps}`, { params: { base: wf.api.base }, reason: 'human test', file: 'human.yaml' });
}

test('a manual step waits for a confirm with its required evidence; a confirm without it is refused and not recorded', async () => {
  const handle = await start(`
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

  expect(await updateRefusal(sendSigned(handle, 'confirm', { stepId: 'call-bank', actor: 'bob', evidence: { note: 'x' } }))).toMatch(
    /missing required evidence: ticketUrl/,
  );
  expect(await updateRefusal(sendSigned(handle, 'confirm', { stepId: 'after', actor: 'bob', evidence: {} }))).toMatch(/not a manual step waiting/);
  expect(await updateRefusal(sendSigned(handle, 'confirm', { stepId: 'call-bank', actor: 'bob', evidence: { ticketUrl: 'T-1', tikket: 'x' } }))).toMatch(
    /unknown evidence field "tikket"/,
  );
  await sendSigned(handle, 'confirm', { stepId: 'call-bank', actor: 'bob', evidence: { ticketUrl: 'https://tickets/T-1' } });
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps['call-bank'].output).toMatchObject({ confirmedBy: 'bob', evidence: { ticketUrl: 'https://tickets/T-1' } });

  const story = await getRunStory(wf.db, handle.workflowId);
  const confirmed = story.events.filter((e) => e.type === 'step.confirmed');
  expect(confirmed).toHaveLength(1);
  expect(confirmed[0].actor).toBe('bob');
  expect(confirmed[0].data).toMatchObject({ evidence: { ticketUrl: 'https://tickets/T-1' } });
  // Refused updates never reached history: the history has exactly one accepted update.
  const history = await handle.fetchHistory();
  const accepted = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
  expect(accepted).toHaveLength(1);
  expect((await verifyAuditChain(wf.db, { chainId: handle.workflowId })).ok).toBe(true);
});

test('a manual step with a short timeout fails and pauses; skip with a reason goes on (a long wait without waiting)', async () => {
  const handle = await start(`
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
  await sendSigned(handle, 'decide', { stepId: 'slow-human', decision: 'skip', reason: 'desk unreachable, done by phone', actor: 'bob' });
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.verdict).toBe('partial');
  expect(result.steps['slow-human'].state).toBe('skipped');
  expect(result.steps.after.state).toBe('completed');
});

test('an approval needs N distinct approvers with the role, never the initiator; reminders go out while it waits', async () => {
  const handle = await start(`
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
  const approve = async (actor: string, roles = ['approver']) => sendSigned(handle, 'approve', { stepId: 'go-no-go', actor, roles });
  expect(await updateRefusal(approve('alice'))).toMatch(/alice started this run and can never approve it/);
  expect(await updateRefusal(approve('mallory', ['operator']))).toMatch(/needs the role "approver"/);
  await approve('bob');
  expect(await updateRefusal(approve('bob'))).toMatch(/bob has already approved/);
  expect((await handle.query(getProgress)).waiting![0].approvedBy).toEqual(['bob']);
  await waitFor(async () => received().filter((r) => r.path === '/remind').length >= 2);
  await approve('carol');
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(result.steps['go-no-go'].output).toEqual({ approvedBy: ['bob', 'carol'] });
  const story = await getRunStory(wf.db, handle.workflowId);
  expect(story.events.filter((e) => e.type === 'approval.granted').map((e) => e.actor)).toEqual(['bob', 'carol']);
  expect(story.events.filter((e) => e.type === 'approval.reminded').length).toBeGreaterThanOrEqual(2);
});

test('an approval timeout with onTimeout: abort aborts the run; with escalate it notifies and keeps waiting', async () => {
  const aborted = await start(`
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
  expect(received().some((r) => r.path === '/undo')).toBe(true);
  const story = await getRunStory(wf.db, aborted.workflowId);
  expect(story.events.map((e) => e.type)).toEqual(expect.arrayContaining(['approval.timed_out', 'run.abort_requested', 'compensation.completed', 'run.aborted']));

  const escalated = await start(`
  - id: gate
    title: gate
    kind: approval
    role: approver
    timeout: 300ms
    onTimeout: escalate
    escalate: { input: { url: "\${{ params.base }}/escalate", message: "nobody approved: paging the duty manager" } }
`);
  await waitFor(async () => received().some((r) => r.path === '/escalate'));
  expect((await escalated.query(getProgress)).waiting?.[0]).toMatchObject({ stepId: 'gate', kind: 'approval' });
  await sendSigned(escalated, 'approve', { stepId: 'gate', actor: 'dave', roles: ['approver'] });
  expect((await escalated.result()).state).toBe('completed');
  const events = (await getRunStory(wf.db, escalated.workflowId)).events.map((e) => e.type);
  expect(events).toEqual(expect.arrayContaining(['approval.timed_out', 'approval.escalated', 'approval.granted']));
});

test('a guard violation pauses new steps until a decision; a guard with onViolation: abort aborts', async () => {
  healthy = true;
  const paused = await start(HOLD_THEN_NEXT, healthGuard());
  await waitFor(async () => (await paused.query(getProgress)).guards?.[0]?.state === 'watching');
  healthy = false;
  await waitFor(async () => (await paused.query(getProgress)).awaitingDecision?.stepId === 'guard:primary-healthy');
  // The wait finishes, but `next` is held while the guard's decision is open.
  await waitFor(async () => (await stepState(paused, 'hold')) === 'completed');
  await new Promise((r) => setTimeout(r, 300));
  expect(await stepState(paused, 'next')).toBe('pending');
  expect(await updateRefusal(sendSigned(paused, 'decide', { stepId: 'guard:primary-healthy', decision: 'skip', actor: 'bob' }))).toMatch(/reason/);
  await sendSigned(paused, 'decide', { stepId: 'guard:primary-healthy', decision: 'skip', reason: 'known maintenance', actor: 'bob' });
  expect((await paused.result()).state).toBe('completed');
  const types = (await getRunStory(wf.db, paused.workflowId)).events.map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['guard.violated', 'run.paused', 'decision.applied']));

  const aborting = await start(`
  - id: hold
    title: hold
    kind: wait
    duration: 1h
`, healthGuard('abort'));
  const result = await aborting.result();
  expect(result.state).toBe('aborted');
  expect(result.steps.hold.state).toBe('cancelled');
  healthy = true;
});

