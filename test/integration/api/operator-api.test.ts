/**
 * The operators' API over real HTTP (port 0), in front of the real dev server, worker and audit
 * database: every human action authenticated, checked against roles and the runbook's rules, audited
 * (refusals too) and only then sent to the workflow. Each refusal changes nothing in the run.
 */
import { API_CHAIN } from '../../../src/audit/human-actions';
import { getRunStory } from '../../../src/audit/run-story';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { hashToken } from '../../../src/auth/tokens';
import { authDb } from '../../../src/auth/tables';
import { getProgress, type RunProgress } from '../../../src/plan/run-messages';
import { apiSuite, refusedRecord } from '../../support/api';
import { runbookHeader } from '../../support/runbooks';
import { waitFor } from '../../support/wait-for';
import { answerJson, startScriptedApi, type ScriptedApi } from '../../support/scripted-api';
import { compensatedStep } from '../../support/runbook-steps';

const suite = apiSuite('api', {
  alice: ['operator', 'approver'],
  bob: ['approver'],
  carol: ['approver'],
  olga: ['operator'],
  adam: ['admin'],
  audrey: ['auditor'],
});
const { tokens, user, call } = suite;
let loopback: ScriptedApi;

beforeAll(async () => {
  loopback = await startScriptedApi((_path, res) => answerJson(res, { ok: true }));
});

afterAll(() => loopback?.close());

const header = runbookHeader('api-test', { base: true });

/** Starts `header` with `steps` (the YAML after `steps:`) as `who`; the run's id. */
async function startAs(who: string, steps: string): Promise<string> {
  const answer = await call('POST', '/api/runs', who, { runbook: `${header}steps:${steps}`, file: 'api-test.yaml', mode: 'drill', params: { base: loopback.base }, reason: 'api test' });
  expect(answer.status).toBe(201);
  return answer.body.runId as string;
}

async function progress(runId: string): Promise<RunProgress> {
  return suite.client.workflow.getHandle(runId).query(getProgress);
}

/** Accepted updates in the run's history: refused ones must never land there. */
async function acceptedUpdates(runId: string): Promise<number> {
  const history = await suite.client.workflow.getHandle(runId).fetchHistory();
  return history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).length;
}

test('tokens are stored hashed; a bad or missing token is refused with 401 and audited on the api chain', async () => {
  const rows = await authDb(suite.db).selectFrom('api_tokens').select(['token_hash', 'prefix']).where('user_name', '=', user('alice')).execute();
  expect(rows[0].token_hash).toBe(hashToken(tokens.alice));
  expect(JSON.stringify(rows)).not.toContain(tokens.alice);

  const runId = await startAs('alice', `
  - id: gate
    title: gate
    kind: approval
    role: approver
`);
  await waitFor(async () => (await progress(runId)).waiting?.[0]?.stepId === 'gate');
  const bad = await call('POST', `/api/runs/${runId}/steps/gate/approve`, 'drb_not-a-token', {});
  expect(bad.status).toBe(401);
  expect(bad.body.message).toMatch(/invalid token/);
  const missing = await call('POST', `/api/runs/${runId}/abort`, null, { reason: 'x' });
  expect(missing.status).toBe(401);
  const record = await refusedRecord(suite.db, bad.body.requestId);
  expect(record).toMatchObject({ chain_id: API_CHAIN, run_id: null, actor: 'anonymous', type: 'action.refused' });
  expect(record!.data).toMatchObject({ status: 401, runId, action: 'approve' });
  expect(await acceptedUpdates(runId)).toBe(0);
  expect((await progress(runId)).waiting![0].approvedBy).toEqual([]);
  expect((await verifyAuditChain(suite.db, { chainId: API_CHAIN })).ok).toBe(true);
  await call('POST', `/api/runs/${runId}/abort`, 'alice', { reason: 'cleanup' });
});

test('four-eyes: self-approval, approval without the role, the same approver twice and a confirm without evidence are refused, audited, and change nothing', async () => {
  const runId = await startAs('alice', `
  - id: record-ticket
    title: Open the incident ticket
    kind: manual
    instructions: Open a ticket in the bank's tracker.
    evidenceFields: [{ name: ticketUrl, description: the ticket's URL }]
  - id: go-no-go
    title: go / no-go
    kind: approval
    needs: [record-ticket]
    role: approver
    approvers: 2
`);
  await waitFor(async () => (await progress(runId)).waiting?.[0]?.stepId === 'record-ticket');

  const noEvidence = await call('POST', `/api/runs/${runId}/steps/record-ticket/confirm`, 'olga', { evidence: {} });
  expect(noEvidence.status).toBe(400);
  expect(noEvidence.body).toMatchObject({ field: 'evidence.ticketUrl' });
  expect(noEvidence.body.message).toMatch(/evidence\.ticketUrl: required by step "record-ticket"/);
  const typo = await call('POST', `/api/runs/${runId}/steps/record-ticket/confirm`, 'olga', { evidense: { ticketUrl: 'x' } });
  expect(typo.status).toBe(400);
  expect(typo.body.field).toBe('evidense');
  const notOperator = await call('POST', `/api/runs/${runId}/steps/record-ticket/confirm`, 'bob', { evidence: { ticketUrl: 'T-1' } });
  expect(notOperator.status).toBe(403);
  for (const refused of [noEvidence, typo, notOperator]) {
    const record = await refusedRecord(suite.db, refused.body.requestId);
    expect(record).toMatchObject({ chain_id: runId, run_id: runId, type: 'action.refused' });
  }
  expect((await refusedRecord(suite.db, noEvidence.body.requestId))!.actor).toBe(user('olga'));
  expect(await acceptedUpdates(runId)).toBe(0);
  expect((await progress(runId)).steps.find((s) => s.id === 'record-ticket')!.state).toBe('waiting');

  const ok = await call('POST', `/api/runs/${runId}/steps/record-ticket/confirm`, 'olga', { evidence: { ticketUrl: 'https://tracker/T-1' }, note: 'opened' });
  expect(ok.status).toBe(200);
  await waitFor(async () => (await progress(runId)).waiting?.[0]?.stepId === 'go-no-go');

  const self = await call('POST', `/api/runs/${runId}/steps/go-no-go/approve`, 'alice', {});
  expect(self.status).toBe(403);
  expect(self.body.message).toMatch(/started this run and can never approve it/);
  const noRole = await call('POST', `/api/runs/${runId}/steps/go-no-go/approve`, 'olga', {});
  expect(noRole.status).toBe(403);
  expect(noRole.body.message).toMatch(/needs the role "approver"/);
  expect((await call('POST', `/api/runs/${runId}/steps/go-no-go/approve`, 'bob', { comment: 'dashboards green' })).status).toBe(200);
  const twice = await call('POST', `/api/runs/${runId}/steps/go-no-go/approve`, 'bob', {});
  expect(twice.status).toBe(409);
  expect(twice.body.message).toMatch(/already approved/);
  const twiceRecord = await refusedRecord(suite.db, twice.body.requestId);
  expect(twiceRecord!.data).toMatchObject({ refusedBy: 'workflow', status: 409 });
  for (const refused of [self, noRole]) expect((await refusedRecord(suite.db, refused.body.requestId))!.data).toMatchObject({ status: 403, refusedBy: 'api' });
  expect((await progress(runId)).waiting![0].approvedBy).toEqual([user('bob')]);
  expect(await acceptedUpdates(runId)).toBe(2); // the confirm and bob's first approval only

  expect((await call('POST', `/api/runs/${runId}/steps/go-no-go/approve`, 'carol', {})).status).toBe(200);
  expect((await suite.client.workflow.getHandle(runId).result()).state).toBe('completed');

  // An action on a finished run: 409, audited, nothing sent.
  const late = await call('POST', `/api/runs/${runId}/abort`, 'olga', { reason: 'too late' });
  expect(late.status).toBe(409);
  expect(late.body.message).toMatch(/has ended/);
  expect(await refusedRecord(suite.db, late.body.requestId)).toMatchObject({ run_id: runId, actor: user('olga') });

  const story = await getRunStory(suite.db, runId);
  const types = story.events.map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['step.confirmed', 'approval.granted', 'action.requested', 'action.refused']));
  expect(story.events.find((e) => e.type === 'step.confirmed')!.actor).toBe(user('olga'));
  expect((await verifyAuditChain(suite.db, { chainId: runId })).ok).toBe(true);
});

test('a failed step pauses; skip without a reason is refused (400 naming reason); retry completes; skip with a reason is audited', async () => {
  loopback.failuresLeft.set('/broken', 1);
  const steps = `
  - id: broken
    title: fails once
    kind: action
    action: { adapter: http, input: { method: GET, url: "\${{ params.base }}/broken" } }
    retry: { attempts: 1 }
  - id: after
    title: after
    kind: action
    needs: [broken]
    action: { adapter: noop, input: {} }
`;
  const runId = await startAs('olga', steps);
  await waitFor(async () => (await progress(runId)).awaitingDecision?.stepId === 'broken');
  const noReason = await call('POST', `/api/runs/${runId}/steps/broken/decide`, 'olga', { decision: 'skip' });
  expect(noReason.status).toBe(400);
  expect(noReason.body).toMatchObject({ field: 'reason' });
  expect(noReason.body.message).toMatch(/reason: skip needs a reason/);
  expect(await refusedRecord(suite.db, noReason.body.requestId)).toBeDefined();
  const wrongRole = await call('POST', `/api/runs/${runId}/steps/broken/decide`, 'audrey', { decision: 'retry' });
  expect(wrongRole.status).toBe(403);
  const unknownStep = await call('POST', `/api/runs/${runId}/steps/nope/decide`, 'olga', { decision: 'retry' });
  expect(unknownStep.status).toBe(404);
  expect(await acceptedUpdates(runId)).toBe(0);
  expect((await call('POST', `/api/runs/${runId}/steps/broken/decide`, 'olga', { decision: 'retry' })).status).toBe(200);
  expect((await suite.client.workflow.getHandle(runId).result()).state).toBe('completed');

  loopback.failuresLeft.set('/broken', 1);
  const skipped = await startAs('olga', steps);
  await waitFor(async () => (await progress(skipped)).awaitingDecision?.stepId === 'broken');
  expect((await call('POST', `/api/runs/${skipped}/steps/broken/decide`, 'olga', { decision: 'skip', reason: 'done by hand on the console' })).status).toBe(200);
  const result = await suite.client.workflow.getHandle(skipped).result();
  expect(result.steps.broken.state).toBe('skipped');
  const applied = (await getRunStory(suite.db, skipped)).events.find((e) => e.type === 'decision.applied')!;
  expect(applied.actor).toBe(user('olga'));
  expect(applied.data).toMatchObject({ decision: 'skip', reason: 'done by hand on the console' });
});

test('abort after three completed steps compensates in reverse; a failing compensation does not stop the others; all audited', async () => {
  loopback.failuresLeft.set('/undo/two', 100);
  const runId = await startAs('olga', `${compensatedStep('one', [])}${compensatedStep('two', ['one'])}${compensatedStep('three', ['two'])}
  - id: confirm-dr
    title: wait for a person
    kind: manual
    needs: [three]
    instructions: Check the DR site.
`);
  await waitFor(async () => (await progress(runId)).waiting?.[0]?.stepId === 'confirm-dr');
  const noReason = await call('POST', `/api/runs/${runId}/abort`, 'olga', {});
  expect(noReason.status).toBe(400);
  expect(noReason.body.field).toBe('reason');
  expect((await call('POST', `/api/runs/${runId}/abort`, 'olga', { reason: 'drill window closed' })).status).toBe(200);
  const result = await suite.client.workflow.getHandle(runId).result();
  expect(result.state).toBe('aborted');
  const undos = loopback.calls.filter((c) => c.startsWith('POST /undo/')).filter((c, i, all) => all.indexOf(c) === i);
  expect(undos).toEqual(['POST /undo/three', 'POST /undo/two', 'POST /undo/one']);
  const story = await getRunStory(suite.db, runId);
  const outcomes = story.events.filter((e) => e.type === 'compensation.completed' || e.type === 'compensation.failed').map((e) => `${e.type}:${e.stepId}`);
  expect(outcomes).toEqual(expect.arrayContaining(['compensation.completed:three', 'compensation.failed:two', 'compensation.completed:one']));
  expect(story.events.find((e) => e.type === 'run.abort_requested')!.actor).toBe(user('olga'));
  expect(story.run!.status).toBe('aborted');
});

test('emergency terminate: admins only, audited, the run ends terminated without compensation', async () => {
  const runId = await startAs('olga', `
  - id: hold
    title: hold
    kind: wait
    duration: 1h
    compensate: { adapter: http, input: { method: POST, url: "\${{ params.base }}/undo/hold" } }
`);
  await waitFor(async () => (await progress(runId)).steps[0].state === 'running');
  const operator = await call('POST', `/api/runs/${runId}/terminate`, 'olga', { reason: 'stuck' });
  expect(operator.status).toBe(403);
  expect(operator.body.message).toMatch(/terminate needs the role "admin"/);
  expect((await call('POST', `/api/runs/${runId}/terminate`, 'adam', { reason: 'runaway drill' })).status).toBe(200);
  const description = await suite.client.workflow.getHandle(runId).describe();
  expect(description.status.name).toBe('TERMINATED');
  const story = await getRunStory(suite.db, runId);
  expect(story.run!.status).toBe('terminated');
  const terminated = story.events.find((e) => e.type === 'run.terminated')!;
  expect(terminated.actor).toBe(user('adam'));
  expect(terminated.data).toMatchObject({ reason: 'runaway drill' });
  expect((await call('POST', `/api/runs/${runId}/abort`, 'olga', { reason: 'again' })).status).toBe(409);
});

test('reads: progress for any role; an auditor can read but not act', async () => {
  const runId = await startAs('olga', `
  - id: m
    title: m
    kind: manual
    instructions: do it
`);
  await waitFor(async () => (await progress(runId)).waiting?.length === 1);
  const read = await call('GET', `/api/runs/${runId}`, 'audrey');
  expect(read.status).toBe(200);
  expect((read.body.progress as RunProgress).waiting![0]).toMatchObject({ stepId: 'm', kind: 'manual', instructions: 'do it' });
  expect((await call('POST', `/api/runs/${runId}/abort`, 'audrey', { reason: 'x' })).status).toBe(403);
  expect((await call('GET', '/api/me', 'audrey')).body).toEqual({ name: user('audrey'), roles: ['auditor'] });
  expect((await call('POST', `/api/runs/${runId}/abort`, 'olga', { reason: 'done' })).status).toBe(200);
  expect((await call('POST', `/api/runs/no-such-run/abort`, 'olga', { reason: 'x' })).status).toBe(404);
});

