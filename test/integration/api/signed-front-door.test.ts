/**
 * The API's signatures are what the runs verify: the real API (real HTTP, dev server, worker, audit
 * database) signs with the front door's key and its actions are accepted, each signed for its own
 * request; a second API holding a key the workers do not trust (a misconfigured or rogue front door)
 * starts runs that never begin and has every action refused by the run (503, audited as refused by
 * the workflow), however valid its tokens and roles. A run's events name the signed request they
 * came from, the id of the API's own record.
 */
import { generateKeyPairSync } from 'node:crypto';
import { getRun } from '../../../src/audit/runs';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { createActionSigner } from '../../../src/security/action-signer';
import { getProgress } from '../../../src/plan/run-messages';
import { waitFor } from '../../support/wait-for';
import { apiSuite, sendJson } from '../../support/api';
import { runbookHeader } from '../../support/runbooks';

const suite = apiSuite('signed-api', { alice: ['operator'], bob: ['approver'] });
const { tokens, user } = suite;
/** A second front door whose key the workers do not trust. */
let rogue: RunningApi;

beforeAll(async () => {
  rogue = await startApiServer({ signer: createActionSigner(generateKeyPairSync('ed25519').privateKey), db: suite.db, temporal: suite.client, taskQueue: suite.taskQueue, port: 0 });
});

afterAll(async () => {
  await rogue?.close();
});

/** `method path` through the front door `through`, as `who`. */
function call(through: RunningApi, method: string, path: string, who: string, body?: unknown) {
  return sendJson(through.url, method, path, tokens[who], body);
}

const runbook = `${runbookHeader('signed-api-test')}steps:
  - id: go
    title: Go / no-go
    kind: approval
    role: approver
    approvers: 1
  - id: after
    title: after
    kind: action
    needs: [go]
    action: { adapter: noop, input: {} }
`;

test('actions signed by the trusted front door are accepted; a front door whose key no worker trusts can neither start a run nor act on one', async () => {
  const started = await call(suite.api, 'POST', '/api/runs', 'alice', { runbook, mode: 'drill', reason: 'signed api test' });
  expect(started.status).toBe(201);
  const runId = started.body.runId as string;
  await waitFor(async () => (await suite.client.workflow.getHandle(runId).query(getProgress)).waiting?.[0]?.stepId === 'go');

  // The rogue front door's approval: tokens and roles pass its checks, the run refuses its signature.
  const refused = await call(rogue, 'POST', `/api/runs/${runId}/steps/go/approve`, 'bob', {});
  expect(refused.status).toBe(503);
  expect(refused.body).toMatchObject({ error: 'ActionNotSigned', message: expect.stringMatching(/which this worker does not trust/) });
  const record = await suite.db.selectFrom('audit_events').select(['chain_id', 'data']).where('key', '=', `api/${String(refused.body.requestId)}/refused`).executeTakeFirst();
  expect(record).toMatchObject({ chain_id: runId, data: { refusedBy: 'workflow', code: 'ActionNotSigned' } });
  expect((await suite.client.workflow.getHandle(runId).query(getProgress)).waiting?.[0]).toMatchObject({ stepId: 'go', approvedBy: [] });

  // The trusted one's approval goes through and the run completes.
  const approved = await call(suite.api, 'POST', `/api/runs/${runId}/steps/go/approve`, 'bob', { comment: 'go' });
  expect(approved.status).toBe(200);
  expect((await suite.client.workflow.getHandle(runId).result()).state).toBe('completed');
  // The run's own event names the signed request, the same id as the API's record of who asked.
  const granted = await suite.db.selectFrom('audit_events').select(['actor', 'data']).where('chain_id', '=', runId).where('type', '=', 'approval.granted').execute();
  expect(granted).toEqual([{ actor: user('bob'), data: expect.objectContaining({ requestId: approved.body.requestId }) }]);
  const requested = await suite.db.selectFrom('audit_events').select(['actor']).where('key', '=', `api/${String(approved.body.requestId)}/requested`).executeTakeFirst();
  expect(requested?.actor).toBe(user('bob'));

  // A start through the rogue front door is admitted by it (201), but the run never begins.
  const forged = await call(rogue, 'POST', '/api/runs', 'alice', { runbook, mode: 'drill', reason: 'rogue start' });
  expect(forged.status).toBe(201);
  const forgedId = forged.body.runId as string;
  await expect(suite.client.workflow.getHandle(forgedId).result()).rejects.toThrow();
  expect(await getRun(suite.db, forgedId)).toBeUndefined();
  const security = await suite.db.selectFrom('audit_events').select(['type', 'data']).where('chain_id', '=', 'security').where('type', '=', 'run.start_refused').execute();
  expect(security.some((e) => (e.data as { workflowId?: string }).workflowId === forgedId)).toBe(true);
});
