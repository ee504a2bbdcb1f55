/**
 * The API's signatures are what the runs verify: the real API (real HTTP, dev server, worker, audit
 * database) signs with the front door's key and its actions are accepted, each signed for its own
 * request; a second API holding a key the workers do not trust (a misconfigured or rogue front door)
 * starts runs that never begin and has every action refused by the run (503, audited as refused by
 * the workflow), however valid its tokens and roles. A run's events name the signed request they
 * came from, the id of the API's own record.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { getRun } from '../../../src/audit/runs';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { issueToken, upsertUser } from '../../../src/auth/users';
import { createActionSigner } from '../../../src/security/action-signer';
import type { RunningWorkers } from '../../../src/temporal/worker';
import { getProgress } from '../../../src/plan/run-messages';
import { testDb, uniqueId } from '../../support/db';
import { testClient, testWorkers, uniqueQueue } from '../../support/temporal';
import { waitFor } from '../../support/wait-for';
import { testSigner } from '../../support/signing';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let workers: RunningWorkers;
let api: RunningApi;
let rogue: RunningApi;
const taskQueue = uniqueQueue('signed-api');
const suffix = uniqueId('u').slice(2, 10);
const tokens: Record<string, string> = {};

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
  workers = await testWorkers(db, taskQueue);
  api = await startApiServer({ signer: await testSigner(), db, temporal: client, taskQueue, port: 0 });
  rogue = await startApiServer({ signer: createActionSigner(generateKeyPairSync('ed25519').privateKey), db, temporal: client, taskQueue, port: 0 });
  for (const [name, roles] of [
    ['alice', ['operator']],
    ['bob', ['approver']],
  ] as const) {
    await upsertUser(db, { name: `${name}-${suffix}`, roles: [...roles] });
    tokens[name] = (await issueToken(db, `${name}-${suffix}`, { label: 'test' })).token;
  }
});

afterAll(async () => {
  await api?.close();
  await rogue?.close();
  await workers?.shutdown();
  await closeClient?.();
  await db?.destroy();
});

async function call(through: RunningApi, method: string, path: string, who: string, body?: unknown) {
  const response = await fetch(`${through.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const runbook = `
apiVersion: drillbook/v1
name: signed-api-test
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 10m }
modes: [drill]
steps:
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
  const started = await call(api, 'POST', '/api/runs', 'alice', { runbook, mode: 'drill', reason: 'signed api test' });
  expect(started.status).toBe(201);
  const runId = started.body.runId as string;
  await waitFor(async () => (await client.workflow.getHandle(runId).query(getProgress)).waiting?.[0]?.stepId === 'go');

  // The rogue front door's approval: tokens and roles pass its checks, the run refuses its signature.
  const refused = await call(rogue, 'POST', `/api/runs/${runId}/steps/go/approve`, 'bob', {});
  expect(refused.status).toBe(503);
  expect(refused.body).toMatchObject({ error: 'ActionNotSigned', message: expect.stringMatching(/which this worker does not trust/) });
  const record = await db.selectFrom('audit_events').select(['chain_id', 'data']).where('key', '=', `api/${String(refused.body.requestId)}/refused`).executeTakeFirst();
  expect(record).toMatchObject({ chain_id: runId, data: { refusedBy: 'workflow', code: 'ActionNotSigned' } });
  expect((await client.workflow.getHandle(runId).query(getProgress)).waiting?.[0]).toMatchObject({ stepId: 'go', approvedBy: [] });

  // The trusted one's approval goes through and the run completes.
  const approved = await call(api, 'POST', `/api/runs/${runId}/steps/go/approve`, 'bob', { comment: 'go' });
  expect(approved.status).toBe(200);
  expect((await client.workflow.getHandle(runId).result()).state).toBe('completed');
  // The run's own event names the signed request, the same id as the API's record of who asked.
  const granted = await db.selectFrom('audit_events').select(['actor', 'data']).where('chain_id', '=', runId).where('type', '=', 'approval.granted').execute();
  expect(granted).toEqual([{ actor: `bob-${suffix}`, data: expect.objectContaining({ requestId: approved.body.requestId }) }]);
  const requested = await db.selectFrom('audit_events').select(['actor']).where('key', '=', `api/${String(approved.body.requestId)}/requested`).executeTakeFirst();
  expect(requested?.actor).toBe(`bob-${suffix}`);

  // A start through the rogue front door is admitted by it (201), but the run never begins.
  const forged = await call(rogue, 'POST', '/api/runs', 'alice', { runbook, mode: 'drill', reason: 'rogue start' });
  expect(forged.status).toBe(201);
  const forgedId = forged.body.runId as string;
  await expect(client.workflow.getHandle(forgedId).result()).rejects.toThrow();
  expect(await getRun(db, forgedId)).toBeUndefined();
  const security = await db.selectFrom('audit_events').select(['type', 'data']).where('chain_id', '=', 'security').where('type', '=', 'run.start_refused').execute();
  expect(security.some((e) => (e.data as { workflowId?: string }).workflowId === forgedId)).toBe(true);
});
