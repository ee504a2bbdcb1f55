/**
 * Nobody gets past the front door (issue 13): a run believes only what `drillbook serve` signed. Sent
 * straight to Temporal (as anyone who can reach it could), unsigned, badly signed, misdirected,
 * altered or replayed actions are refused by the Update validators, the run does not move and its
 * trail names no ghost; a start that the front door did not sign never begins. Against the real dev
 * server, worker wiring and audit database.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { listRunEvents } from '../../src/audit/audit-events';
import { getRun } from '../../src/audit/runs';
import type { RunInput } from '../../src/plan/types';
import { buildDossier } from '../../src/reports/dossier';
import { createActionSigner, signedInput } from '../../src/security/action-signer';
import { abortRun, approveStep, confirmStep, decideOnFailure, getProgress, type ApproveStepInput } from '../../src/plan/run-messages';
import type { runDrill } from '../../workflows/run-drill/run-drill';
import { workflowSuite } from '../support/temporal';
import { waitFor } from '../support/wait-for';
import { sendSigned, signed, startSignedRun, testSigner } from '../support/signing';
import { compileRunbook, runbookHeader } from '../support/runbooks';

const h = workflowSuite('signed');

const runbook = `${runbookHeader('signed-test')}steps:
  - id: go
    title: Go / no-go
    kind: approval
    role: approver
    approvers: 2
  - id: ticket
    title: Open the change ticket
    kind: manual
    needs: [go]
    instructions: "Open a ticket."
    evidenceFields:
      - { name: ticketUrl }
  - id: broken
    title: fails once
    kind: action
    needs: [ticket]
    retry: { attempts: 1 }
    action: { adapter: http, input: { method: GET, url: "http://127.0.0.1:9/unreachable" } }
  - id: after
    title: after
    kind: action
    needs: [broken]
    action: { adapter: noop, input: {} }
`;

function runInput(): RunInput {
  const { plan, planHash } = compileRunbook(runbook, 'signed.yaml');
  return { plan, planHash, mode: 'drill', params: {}, initiator: 'alice', reason: 'signed actions test', taskQueue: h.taskQueue };
}

async function startAtGate(): Promise<WorkflowHandle<typeof runDrill>> {
  const handle = await startSignedRun(h.client, runInput());
  await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'go');
  return handle;
}

/** bob and carol approve the gate, signed by the front door; the run moves on to the ticket. */
async function passGate(handle: WorkflowHandle<typeof runDrill>): Promise<void> {
  await sendSigned(handle, 'approve', { stepId: 'go', actor: 'bob', roles: ['approver'] });
  await sendSigned(handle, 'approve', { stepId: 'go', actor: 'carol', roles: ['approver'] });
  await waitFor(async () => (await handle.query(getProgress)).waiting?.[0]?.stepId === 'ticket');
}

/** The validator's refusal as `<failure type>: <message>`. */
async function refusal(update: Promise<unknown>): Promise<string> {
  try {
    await update;
  } catch (err) {
    const e = err as { cause?: { type?: string; message?: string }; message: string };
    return `${e.cause?.type}: ${e.cause?.message ?? e.message}`;
  }
  throw new Error('the update was accepted');
}

/** Everything the trail says about the run, as text (actors and data). */
async function trailText(runId: string): Promise<string> {
  return JSON.stringify((await listRunEvents(h.db, runId)).map((e) => [e.actor, e.data]));
}

function acceptedUpdates(history: Awaited<ReturnType<WorkflowHandle['fetchHistory']>>): number {
  return history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
}

test('the ghost approval: approveStep straight to Temporal with a made-up actor and roles is refused, twice; the run does not move and names no ghost', async () => {
  const handle = await startAtGate();
  for (const ghost of ['ghost1', 'ghost2']) {
    expect(await refusal(handle.executeUpdate(approveStep, { args: [{ stepId: 'go', actor: ghost, roles: ['approver'] }] }))).toMatch(
      /^ActionNotSigned: approve refused: the approve is not signed by the front door/,
    );
  }
  const progress = await handle.query(getProgress);
  expect(progress.waiting![0]).toMatchObject({ stepId: 'go', approvedBy: [] });
  expect(progress.steps.find((s) => s.id === 'ticket')!.state).toBe('pending');
  expect(acceptedUpdates(await handle.fetchHistory())).toBe(0);

  // Through the front door's signature, two real approvers move it on; the ghosts never appear.
  await passGate(handle);
  await sendSigned(handle, 'abort', { reason: 'test over', actor: 'bob' });
  await handle.result();
  const text = await trailText(handle.workflowId);
  expect(text).toContain('carol');
  expect(text).not.toMatch(/ghost/);
  const dossier = await buildDossier(h.db, handle.workflowId);
  expect(JSON.stringify(dossier)).not.toMatch(/ghost/);
  expect(dossier.participants.map((p) => p.name)).toEqual(expect.arrayContaining(['bob', 'carol']));
});

test('unsigned confirm, decide and abort straight to Temporal are refused; the run does not move', async () => {
  const handle = await startAtGate();
  const id = handle.workflowId;
  await passGate(handle);

  expect(await refusal(handle.executeUpdate(confirmStep, { args: [{ stepId: 'ticket', actor: 'ghost', evidence: { ticketUrl: 'T-1' } }] }))).toMatch(/^ActionNotSigned: confirm refused/);
  expect(await refusal(handle.executeUpdate(abortRun, { args: [{ reason: 'ghost says stop', actor: 'ghost' }] }))).toMatch(/^ActionNotSigned: abort refused/);
  expect((await handle.query(getProgress)).state).toBe('running');

  await sendSigned(handle, 'confirm', { stepId: 'ticket', actor: 'bob', evidence: { ticketUrl: 'T-1' } });
  await waitFor(async () => (await handle.query(getProgress)).awaitingDecision?.stepId === 'broken');
  expect(await refusal(handle.executeUpdate(decideOnFailure, { args: [{ stepId: 'broken', decision: 'skip', reason: 'ghost', actor: 'ghost' }] }))).toMatch(
    /^ActionNotSigned: decide refused/,
  );
  expect((await handle.query(getProgress)).awaitingDecision?.stepId).toBe('broken');

  await sendSigned(handle, 'decide', { stepId: 'broken', decision: 'skip', reason: 'known outage', actor: 'bob' });
  const result = await handle.result();
  expect(result.state).toBe('completed');
  expect(acceptedUpdates(await handle.fetchHistory())).toBe(4);
  expect(await trailText(id)).not.toMatch(/ghost/);
});

test('a replayed, misdirected, altered or foreign-key signed approval is refused', async () => {
  const a = await startAtGate();
  const b = await startAtGate();
  const bobOnA = await signed('approve', a.workflowId, { stepId: 'go', actor: 'bob', roles: ['approver'] });
  await a.executeUpdate(approveStep, { args: [bobOnA] });

  // The same signed input again, under a new update id (the client makes one per call).
  expect(await refusal(a.executeUpdate(approveStep, { args: [bobOnA], updateId: randomUUID() }))).toMatch(/^ActionNotSigned: .*already accepted \(a replay\)/);
  // Signed for run A, sent to run B.
  expect(await refusal(b.executeUpdate(approveStep, { args: [bobOnA] }))).toMatch(/^ActionNotSigned: .*does not match/);
  // Altered after signing: another actor, or the roles.
  const carol = await signed('approve', a.workflowId, { stepId: 'go', actor: 'carol', roles: ['approver'] });
  const altered: ApproveStepInput[] = [
    { ...carol, actor: 'mallory' },
    { ...(await signed('approve', a.workflowId, { stepId: 'go', actor: 'mallory', roles: ['operator'] })), roles: ['approver'] },
  ];
  for (const input of altered) expect(await refusal(a.executeUpdate(approveStep, { args: [input] }))).toMatch(/^ActionNotSigned: .*does not match/);
  // Signed as a confirm, sent as an approval.
  const asConfirm = signedInput(await testSigner(), 'confirm', a.workflowId, { stepId: 'go', actor: 'carol', roles: ['approver'] });
  expect(await refusal(a.executeUpdate(approveStep, { args: [asConfirm] }))).toMatch(/^ActionNotSigned: .*does not match/);
  // Signed by a key no worker trusts.
  const stranger = createActionSigner(generateKeyPairSync('ed25519').privateKey);
  expect(await refusal(a.executeUpdate(approveStep, { args: [signedInput(stranger, 'approve', a.workflowId, { stepId: 'go', actor: 'carol', roles: ['approver'] })] }))).toMatch(
    /^ActionNotSigned: .*which this worker does not trust/,
  );

  expect((await a.query(getProgress)).waiting![0].approvedBy).toEqual(['bob']);
  expect((await b.query(getProgress)).waiting![0].approvedBy).toEqual([]);
  await a.executeUpdate(approveStep, { args: [carol] });
  await waitFor(async () => (await a.query(getProgress)).waiting?.[0]?.stepId === 'ticket');
  for (const handle of [a, b]) {
    await sendSigned(handle, 'abort', { reason: 'test over', actor: 'bob' });
    await handle.result();
  }
  expect(await trailText(a.workflowId)).not.toMatch(/mallory/);
});

test('a start the front door did not sign never begins: no run, no event in any run chain, one event on the security chain', async () => {
  const input = runInput();
  const signer = await testSigner();
  const stranger = createActionSigner(generateKeyPairSync('ed25519').privateKey);
  const forged: Array<{ what: string; args: (id: string) => RunInput; refusal: RegExp }> = [
    { what: 'unsigned', args: () => input, refusal: /not signed by the front door/ },
    { what: 'foreign key', args: (id) => signedInput(stranger, 'start', id, input), refusal: /does not trust/ },
    { what: 'altered initiator', args: (id) => ({ ...signedInput(signer, 'start', id, input), initiator: 'ghost' }), refusal: /does not match/ },
    { what: 'signed for another run', args: () => signedInput(signer, 'start', `drill-other-${randomUUID()}`, input), refusal: /does not match/ },
  ];
  for (const f of forged) {
    const workflowId = `forged-${randomUUID()}`;
    const handle = await h.client.workflow.start('runDrill', { workflowId, taskQueue: h.taskQueue, args: [f.args(workflowId)] });
    const failure = await handle.result().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as { type?: string; message: string };
    expect(`${f.what}: ${cause.type}: ${cause.message}`).toMatch(new RegExp(`^${f.what}: StartNotSigned: .*${f.refusal.source}`));
    expect(await getRun(h.db, workflowId)).toBeUndefined();
    expect(await listRunEvents(h.db, workflowId)).toEqual([]);
    const security = await h.db.selectFrom('audit_events').select(['type', 'actor', 'run_id', 'data']).where('chain_id', '=', 'security').where('key', '=', `security/start-refused/${handle.firstExecutionRunId}`).execute();
    expect(security).toHaveLength(1);
    expect(security[0]).toMatchObject({ type: 'run.start_refused', actor: 'drillbook', run_id: null, data: { workflowId } });
  }
});

test('a schedule grant starts exactly the drill it was signed for, and nothing else', async () => {
  const signer = await testSigner();
  const scheduleId = `drill-payments-signed-${randomUUID().slice(0, 8)}`;
  const { initiator: _i, ...pinned } = runInput();
  const grant = signer.grantSchedule(scheduleId, 'payments', pinned);
  const run = (overrides: Partial<RunInput>) =>
    h.client.workflow.start('runDrill', {
      workflowId: `${scheduleId}-${randomUUID()}`,
      taskQueue: h.taskQueue,
      args: [{ ...pinned, initiator: `schedule:${scheduleId}`, auth: grant, ...overrides } as RunInput],
    });
  const cause = async (handle: WorkflowHandle) => {
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    return ((err as WorkflowFailedError | undefined)?.cause as { type?: string; message: string } | undefined) ?? { message: 'ran' };
  };
  expect((await cause(await run({ params: { extra: 'x' } }))).message).toMatch(/does not match/);
  expect((await cause(await run({ initiator: 'mallory' }))).message).toMatch(/not for initiator mallory/);
  expect((await cause(await run({ reason: 'another reason' }))).message).toMatch(/does not match/);

  const granted = await run({});
  await waitFor(async () => (await granted.query(getProgress)).waiting?.[0]?.stepId === 'go');
  // The schedule is the initiator: it can never approve, and nobody can approve in its name unsigned.
  expect(await refusal(granted.executeUpdate(approveStep, { args: [{ stepId: 'go', actor: 'ghost', roles: ['approver'] }] }))).toMatch(/^ActionNotSigned/);
  await sendSigned(granted, 'abort', { reason: 'test over', actor: 'bob' });
  expect((await granted.result()).state).toBe('aborted');
});

test('a scheduled-drill wrapper started around the schedule (no grant, or a grant for another run) writes nothing into the run chain and starts no run', async () => {
  const signer = await testSigner();
  const { initiator: _i, ...pinned } = runInput();
  const scheduleId = `drill-payments-forged-${randomUUID().slice(0, 8)}`;
  const now = Date.now();
  // A blackout in force: the wrapper would write `drill.deferred` into the run's chain and wait.
  const blackouts = [{ name: 'freeze', startMs: now - 60_000, endMs: now + 3_600_000 }];
  const grantForOtherParams = signer.grantSchedule(scheduleId, 'payments', { ...pinned, params: { other: 'x' } });
  for (const grant of [undefined, grantForOtherParams]) {
    const workflowId = `scheduled-${scheduleId}-${randomUUID()}`;
    const handle = await h.client.workflow.start('scheduledDrill', {
      workflowId,
      taskQueue: h.taskQueue,
      args: [{ scheduleId, service: 'payments', run: pinned, blackouts, ...(grant ? { grant } : {}) }],
    });
    const err = await handle.result().then(() => undefined, (e: unknown) => e);
    expect(((err as WorkflowFailedError).cause as { type?: string }).type).toBe('StartNotSigned');
    expect(await listRunEvents(h.db, `${workflowId}.run`)).toEqual([]);
    expect(await getRun(h.db, `${workflowId}.run`)).toBeUndefined();
  }
});
