/**
 * Issue 14, "Twice the same sign-off" and the retried start: `POST /api/runs` with an
 * Idempotency-Key starts one run however often it is retried (at once or later), and refuses the key
 * for another request; the same person signing the same run off in the same capacity twice gets a
 * 409 and leaves one row. Real API on loopback, real worker and Temporal dev server, real PostgreSQL.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { upsertUser } from '../../../src/auth/users';
import { findingsDb } from '../../../src/findings/tables';
import { waitFor } from '../../support/wait-for';
import { apiSuite } from '../../support/api';
import { oneStepRunbook } from '../../support/runbooks';

const suite = apiSuite('idem', { olga: ['operator'], bea: ['approver'] });
const { user, call } = suite;

const RUNBOOK = oneStepRunbook('idem-test');

test('POST /api/runs twice (and twice at once) with the same Idempotency-Key starts one run; the key with another request is refused', async () => {
  const key = randomUUID();
  const start = { runbook: RUNBOOK, mode: 'drill', reason: `idempotent ${user('olga')}` };
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
  const query = `TaskQueue="${suite.taskQueue}" AND DrillInitiator="${user('olga')}"`;
  await waitFor(async () => (await suite.client.workflow.count(query)).count === 2);
  await new Promise((r) => setTimeout(r, 1000));
  expect((await suite.client.workflow.count(query)).count).toBe(2);
  const requested = await suite.db
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
  await suite.client.workflow.getHandle(runId).result();
  await waitFor(async () => Boolean((await suite.db.selectFrom('runs').select('ended_at').where('run_id', '=', runId).executeTakeFirst())?.ended_at));

  const signoff = { role: 'business-owner', comment: 'accepted' };
  expect((await call('POST', `/api/runs/${runId}/signoff`, 'bea', signoff)).status).toBe(200);
  const twice = await call('POST', `/api/runs/${runId}/signoff`, 'bea', signoff);
  expect(twice.status).toBe(409);
  expect(twice.body).toMatchObject({ error: 'signoff_duplicate' });
  expect(String(twice.body.message)).toMatch(/already signed .* off as business-owner/);
  const refused = await suite.db.selectFrom('audit_events').select(['actor', 'data', 'run_id']).where('key', '=', `api/${String(twice.body.requestId)}/refused`).executeTakeFirstOrThrow();
  expect(refused).toMatchObject({ actor: user('bea'), run_id: runId, data: { status: 409, code: 'signoff_duplicate' } });

  // Another capacity of the same person is another sign-off; two at once of one capacity are one.
  await upsertUser(suite.db, { name: user('bea'), roles: ['approver', 'operator'] });
  const atOnce = await Promise.all([1, 2].map(() => call('POST', `/api/runs/${runId}/signoff`, 'bea', { role: 'drill-owner' })));
  expect(atOnce.map((a) => a.status).sort()).toEqual([200, 409]);

  const rows = await findingsDb(suite.db).selectFrom('run_signoffs').select(['role', 'signer']).where('run_id', '=', runId).orderBy('id').execute();
  expect(rows).toEqual([
    { role: 'business-owner', signer: user('bea') },
    { role: 'drill-owner', signer: user('bea') },
  ]);
  const recorded = await suite.db.selectFrom('audit_events').select('id').where('run_id', '=', runId).where('type', '=', 'signoff.recorded').execute();
  expect(recorded).toHaveLength(2);
});
