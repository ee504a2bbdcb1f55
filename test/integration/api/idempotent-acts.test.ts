/**
 * Issue 14, "Twice the same sign-off" and the retried start: `POST /api/runs` with an
 * Idempotency-Key starts one run however often it is retried (at once or later), and refuses the key
 * for another request; the same person signing the same run off in the same capacity twice gets a
 * 409 and leaves one row. Real API on loopback, real worker and Temporal dev server, real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { issueToken, upsertUser } from '../../../src/auth/users';
import { findingsDb } from '../../../src/findings/tables';
import type { RunningWorkers } from '../../../src/temporal/worker';
import { testDb, uniqueId } from '../../support/db';
import { testClient, testWorkers, uniqueQueue } from '../../support/temporal';
import { waitFor } from '../../support/wait-for';
import { testSigner } from '../../support/signing';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let workers: RunningWorkers;
let api: RunningApi;
const taskQueue = uniqueQueue('idem');
const suffix = uniqueId('i').slice(2, 10);
const user = (n: string) => `${n}-${suffix}`;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
  workers = await testWorkers(db, taskQueue);
  api = await startApiServer({ signer: await testSigner(), db, temporal: client, taskQueue, port: 0 });
  for (const [name, roles] of [
    ['olga', ['operator']],
    ['bea', ['approver']],
  ] as const) {
    await upsertUser(db, { name: user(name), roles: [...roles] });
    tokens[name] = (await issueToken(db, user(name), { label: 'test' })).token;
  }
});

afterAll(async () => {
  await api?.close();
  await workers?.shutdown();
  await closeClient?.();
  await db?.destroy();
});

async function call(method: string, path: string, who: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${tokens[who]}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const RUNBOOK = `
apiVersion: drillbook/v1
name: idem-test
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 10m }
modes: [drill]
steps:
  - id: only
    title: only
    kind: action
    action: { adapter: noop, input: {} }
`;

test('POST /api/runs twice (and twice at once) with the same Idempotency-Key starts one run; the key with another request is refused', async () => {
  const key = randomUUID();
  const start = { runbook: RUNBOOK, mode: 'drill', reason: `idempotent ${suffix}` };
  const first = await call('POST', '/api/runs', 'olga', start, { 'idempotency-key': key });
  expect(first.status).toBe(201);
  const retry = await call('POST', '/api/runs', 'olga', start, { 'idempotency-key': key });
  expect(retry.status).toBe(201);
  expect(retry.body).toMatchObject({ runId: first.body.runId, requestId: first.body.requestId, replayed: true });

  const other = await call('POST', '/api/runs', 'olga', { ...start, reason: 'something else' }, { 'idempotency-key': key });
  expect(other.status).toBe(422);
  expect(other.body).toMatchObject({ error: 'idempotency_key_reused', field: 'Idempotency-Key' });
  expect(String(other.body.message)).toContain(String(first.body.runId));
  const bad = await call('POST', '/api/runs', 'olga', start, { 'idempotency-key': 'with spaces inside' });
  expect(bad).toMatchObject({ status: 400, body: { field: 'Idempotency-Key' } });

  // Two at once with a fresh key: one run.
  const concurrentKey = randomUUID();
  const both = await Promise.all([1, 2].map(() => call('POST', '/api/runs', 'olga', start, { 'idempotency-key': concurrentKey })));
  expect(both.map((a) => a.status)).toEqual([201, 201]);
  expect(both[0].body.runId).toBe(both[1].body.runId);

  // Temporal has exactly the two runs (one per key), and the trail one start request each.
  const query = `TaskQueue="${taskQueue}" AND DrillInitiator="${user('olga')}"`;
  await waitFor(async () => (await client.workflow.count(query)).count === 2);
  await new Promise((r) => setTimeout(r, 1000));
  expect((await client.workflow.count(query)).count).toBe(2);
  const requested = await db
    .selectFrom('audit_events')
    .select('key')
    .where('type', '=', 'action.requested')
    .where('actor', '=', user('olga'))
    .where(sql<boolean>`data->>'action' = 'start'`)
    .execute();
  expect(requested).toHaveLength(2);
});

test('the same sign-off twice (and twice at once): 409, one row, the refusal audited', async () => {
  const started = await call('POST', '/api/runs', 'olga', { runbook: RUNBOOK, mode: 'drill', reason: 'to sign off' });
  expect(started.status).toBe(201);
  const runId = String(started.body.runId);
  await client.workflow.getHandle(runId).result();
  await waitFor(async () => Boolean((await db.selectFrom('runs').select('ended_at').where('run_id', '=', runId).executeTakeFirst())?.ended_at));

  const signoff = { role: 'business-owner', comment: 'accepted' };
  expect((await call('POST', `/api/runs/${runId}/signoff`, 'bea', signoff)).status).toBe(200);
  const twice = await call('POST', `/api/runs/${runId}/signoff`, 'bea', signoff);
  expect(twice.status).toBe(409);
  expect(twice.body).toMatchObject({ error: 'signoff_duplicate' });
  expect(String(twice.body.message)).toMatch(/already signed .* off as business-owner/);
  const refused = await db.selectFrom('audit_events').select(['actor', 'data', 'run_id']).where('key', '=', `api/${String(twice.body.requestId)}/refused`).executeTakeFirstOrThrow();
  expect(refused).toMatchObject({ actor: user('bea'), run_id: runId, data: { status: 409, code: 'signoff_duplicate' } });

  // Another capacity of the same person is another sign-off; two at once of one capacity are one.
  await upsertUser(db, { name: user('bea'), roles: ['approver', 'operator'] });
  const atOnce = await Promise.all([1, 2].map(() => call('POST', `/api/runs/${runId}/signoff`, 'bea', { role: 'drill-owner' })));
  expect(atOnce.map((a) => a.status).sort()).toEqual([200, 409]);

  const rows = await findingsDb(db).selectFrom('run_signoffs').select(['role', 'signer']).where('run_id', '=', runId).orderBy('id').execute();
  expect(rows).toEqual([
    { role: 'business-owner', signer: user('bea') },
    { role: 'drill-owner', signer: user('bea') },
  ]);
  const recorded = await db.selectFrom('audit_events').select('id').where('run_id', '=', runId).where('type', '=', 'signoff.recorded').execute();
  expect(recorded).toHaveLength(2);
});
