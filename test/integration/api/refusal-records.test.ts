/**
 * Issue 14, "Refusals that leave no trace": every refused request is in the trail whatever bytes it
 * carried (sanitized, capped, with the sha256 of the raw body); a refusal for a known token names its
 * owner and prefix; a trail that cannot be written refuses the request (503, a log line) and nothing
 * reaches Temporal; a 5xx carries a request id, never internal text. Real API on loopback, real
 * PostgreSQL (the shared test database, and isolated ones where the trail is made to fail), real
 * Temporal dev server.
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { API_CHAIN } from '../../../src/audit/human-actions';
import { verifyAuditChain } from '../../../src/audit/verify-chain';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { issueToken, revokeTokens, setUserDisabled, upsertUser } from '../../../src/auth/users';
import { destroyTestDb, isolatedTestDb, testDb, uniqueId } from '../../support/db';
import { testClient, uniqueQueue } from '../../support/temporal';
import { waitFor } from '../../support/wait-for';
import { refusedRecord, sendRaw as send } from '../../support/api';
import { recordRunStarted } from '../../../src/audit/runs';
import { compileRunbook, oneStepRunbook } from '../../support/runbooks';
import { testSigner } from '../../support/signing';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let api: RunningApi;
const suffix = uniqueId('r').slice(2, 10);
const user = (n: string) => `${n}-${suffix}`;

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
  api = await startApiServer({ signer: await testSigner(), db, temporal: client, taskQueue: uniqueQueue('refusals'), port: 0 });
});

afterAll(async () => {
  await api?.close();
  await closeClient?.();
  await db?.destroy();
});

/** A logger that keeps its lines, to find what the server logged under a request id. */
function capturingLogger() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { lines, logger: { level: 'warn', stream: { write: (line: string) => stream.write(line) } } };
}

test('a refused request with NUL bytes and a lone surrogate in its body is in the trail, sanitized, with the sha256 of the raw body', async () => {
  // JSON escapes, as a client sends them: "\u0000" and a lone "\ud800" are valid JSON text.
  const raw = '{"reason":"stop\\u0000now\\ud800!","evil\\u0000key":["\\ud800",1]}';
  const anonymous = await send(api.url, 'POST', '/api/runs/no-such-run/abort', null, raw);
  expect(anonymous.status).toBe(401);
  const record = await refusedRecord(db, anonymous.body.requestId);
  expect(record).toMatchObject({ chain_id: API_CHAIN, actor: 'anonymous', type: 'action.refused' });
  const data = record!.data as Record<string, any>;
  expect(data.request.reason).toBe('stop\uFFFDnow\uFFFD!');
  expect(data.request['evil\uFFFDkey']).toEqual(['\uFFFD', 1]);
  expect(data.body).toEqual({ bytes: Buffer.byteLength(raw), sha256: createHash('sha256').update(raw).digest('hex'), truncated: false });
  expect(data.client).toMatch(/127\.0\.0\.1/);

  // Authenticated: the body is refused (400 naming the field) and that refusal is recorded too.
  await upsertUser(db, { name: user('olga'), roles: ['operator'] });
  const token = (await issueToken(db, user('olga'), { label: 'test' })).token;
  const start = await send(api.url, 'POST', '/api/runs', token, '{"runbook":"x","mode":"drill","reason":"a\\u0000b"}');
  expect(start.status).toBe(400);
  expect(start.body).toMatchObject({ field: 'reason' });
  expect(String(start.body.message)).toMatch(/reason: contains a NUL character or invalid Unicode/);
  expect((await refusedRecord(db, start.body.requestId))!.actor).toBe(user('olga'));
  // A NUL in the path: the caller's mistake (400 naming the parameter), recorded, never a 500.
  const path = await send(api.url, 'POST', '/api/runs/run%00x/steps/a%00b/confirm', token, '{"evidence":{}}');
  expect(path.status).toBe(400);
  expect(path.body).toMatchObject({ field: 'runId' });
  expect((await refusedRecord(db, path.body.requestId))!.data).toMatchObject({ runId: 'run\uFFFDx', stepId: 'a\uFFFDb', status: 400 });
  expect((await verifyAuditChain(db, { chainId: API_CHAIN })).ok).toBe(true);
});

test("a refusal for a revoked or expired token, or a disabled user's, names the token's owner and prefix", async () => {
  await upsertUser(db, { name: user('rita'), roles: ['operator'] });
  await upsertUser(db, { name: user('dave'), roles: ['operator'] });
  const revoked = await issueToken(db, user('rita'), { label: 'old laptop' });
  await revokeTokens(db, user('rita'), revoked.prefix);
  const expired = await issueToken(db, user('rita'), { label: 'temp', expiresAt: new Date(Date.now() - 60_000) });
  const disabled = await issueToken(db, user('dave'), { label: 'test' });
  await setUserDisabled(db, user('dave'), true);
  const cases = [
    { token: revoked.token, owner: user('rita'), prefix: revoked.prefix, state: 'revoked' },
    { token: expired.token, owner: user('rita'), prefix: expired.prefix, state: 'expired' },
    { token: disabled.token, owner: user('dave'), prefix: disabled.prefix, state: 'user-disabled' },
    // Someone guessing at rita's token: its visible prefix is hers, the rest is wrong.
    { token: `${expired.prefix}not-the-rest`, owner: user('rita'), prefix: expired.prefix, state: 'mismatch' },
  ];
  for (const c of cases) {
    const answer = await send(api.url, 'POST', '/api/runs/no-such-run/abort', c.token, '{"reason":"x"}');
    expect(answer.status).toBe(401);
    const record = await refusedRecord(db, answer.body.requestId);
    expect(record!.data).toMatchObject({ status: 401, token: { owner: c.owner, prefix: c.prefix, state: c.state } });
    // The token itself is never recorded.
    expect(record!.body).not.toContain(c.token);
  }
});

const RUNBOOK = oneStepRunbook('refusal-test');

test('a trail that cannot be written: the start is refused with 503 and a log line, and nothing reaches Temporal', async () => {
  const isolated = await isolatedTestDb();
  const log = capturingLogger();
  const taskQueue = uniqueQueue('unwritable');
  const down = await startApiServer({ signer: await testSigner(), db: isolated, temporal: client, taskQueue, port: 0, logger: log.logger });
  try {
    await upsertUser(isolated, { name: 'otto', roles: ['operator'] });
    const token = (await issueToken(isolated, 'otto', { label: 'test' })).token;
    // The trail refuses every action record (as a full disk or a revoked grant would).
    await sql`CREATE FUNCTION refuse_actions() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit trail unwritable (test)'; END $$`.execute(isolated);
    await sql`CREATE TRIGGER refuse_actions BEFORE INSERT ON audit_events FOR EACH ROW WHEN (NEW.type LIKE 'action.%') EXECUTE FUNCTION refuse_actions()`.execute(isolated);

    const body = JSON.stringify({ runbook: RUNBOOK, mode: 'drill', reason: 'trail down' });
    const refused = await send(down.url, 'POST', '/api/runs', token, body);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ error: 'audit_unavailable', requestId: expect.any(String) });
    expect(JSON.stringify(refused.body)).not.toMatch(/unwritable|plpgsql|audit_events/);
    expect(log.lines.some((l) => l.includes(String(refused.body.requestId)) && /audit trail/.test(l))).toBe(true);
    // An anonymous refusal cannot be recorded either: 503 too, never a silent 401.
    const anonymous = await send(down.url, 'POST', '/api/runs/x/abort', null, '{"reason":"x"}');
    expect(anonymous.status).toBe(503);

    // Nothing was started: compare with the same request once the trail takes records again.
    await sql`DROP TRIGGER refuse_actions ON audit_events`.execute(isolated);
    const accepted = await send(down.url, 'POST', '/api/runs', token, body);
    expect(accepted.status).toBe(201);
    const query = `TaskQueue="${taskQueue}"`;
    await waitFor(async () => (await client.workflow.count(query)).count === 1);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await client.workflow.count(query)).count).toBe(1);
    await client.workflow.getHandle(String(accepted.body.runId)).terminate('test cleanup');
  } finally {
    await down.close();
    await destroyTestDb(isolated);
  }
});

test('a 5xx answer carries a request id and no internal text; the detail is in the log under that id', async () => {
  const isolated = await isolatedTestDb();
  const log = capturingLogger();
  const broken = await startApiServer({ signer: await testSigner(), db: isolated, temporal: client, taskQueue: uniqueQueue('broken'), port: 0, logger: log.logger });
  try {
    await upsertUser(isolated, { name: 'rhea', roles: ['operator'] });
    const token = (await issueToken(isolated, 'rhea', { label: 'test' })).token;
    await sql`ALTER TABLE runs RENAME TO runs_moved_away`.execute(isolated);
    for (const [method, path, body] of [
      ['GET', '/api/runs/drill-missing-1', undefined],
      ['POST', '/api/runs/drill-missing-1/abort', '{"reason":"x"}'],
    ] as const) {
      const answer = await send(broken.url, method, path, token, body);
      expect(answer.status).toBe(500);
      expect(answer.body).toMatchObject({ error: 'internal', requestId: expect.any(String) });
      expect(JSON.stringify(answer.body)).not.toMatch(/runs|relation|does not exist|postgres/i);
      expect(log.lines.some((l) => l.includes(String(answer.body.requestId)) && /runs/.test(l))).toBe(true);
    }
  } finally {
    await broken.close();
    await destroyTestDb(isolated);
  }
});

test('Temporal unreachable: the start answers 500 with a request id and no Temporal text; the refusal is recorded', async () => {
  const log = capturingLogger();
  // Nothing listens on port 1: every call fails as UNAVAILABLE after the client's own retries.
  const nowhere = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) });
  const cut = await startApiServer({ signer: await testSigner(), db, temporal: nowhere, taskQueue: uniqueQueue('nowhere'), port: 0, logger: log.logger });
  try {
    await upsertUser(db, { name: user('tina'), roles: ['operator'] });
    const token = (await issueToken(db, user('tina'), { label: 'test' })).token;
    const answer = await send(cut.url, 'POST', '/api/runs', token, JSON.stringify({ runbook: RUNBOOK, mode: 'drill', reason: 'temporal down' }));
    expect(answer.status).toBe(500);
    expect(answer.body).toMatchObject({ error: 'internal', requestId: expect.any(String) });
    expect(JSON.stringify(answer.body)).not.toMatch(/UNAVAILABLE|ECONNREFUSED|Workflow|grpc|127\.0\.0\.1/i);
    expect(log.lines.some((l) => l.includes(String(answer.body.requestId)) && /UNAVAILABLE/.test(l))).toBe(true);
    const record = await refusedRecord(db, answer.body.requestId);
    expect(record).toMatchObject({ actor: user('tina'), type: 'action.refused' });
    expect(record!.data).toMatchObject({ status: 500, code: 'internal' });
    expect(record!.body).not.toMatch(/UNAVAILABLE|ECONNREFUSED/);
  } finally {
    await cut.close();
    await nowhere.connection.close().catch(() => undefined);
  }
});

test("Temporal unreachable: a person's act on a run answers 503 temporal_unavailable, no Temporal text; the refusal is on the run's chain", async () => {
  const log = capturingLogger();
  const nowhere = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' }) });
  const cut = await startApiServer({ signer: await testSigner(), db, temporal: nowhere, taskQueue: uniqueQueue('nowhere'), port: 0, logger: log.logger });
  try {
    const runId = uniqueId('drill-unreachable');
    const { plan, planHash } = compileRunbook(RUNBOOK);
    await recordRunStarted(db, { runId, runbookName: plan.runbook.name, runbookVersion: plan.runbook.version, planHash, plan: plan as never, mode: 'drill', params: {}, services: plan.services, initiator: 'alice', reason: 'r', objectives: {}, startedAt: new Date() });
    await upsertUser(db, { name: user('uma'), roles: ['operator'] });
    const token = (await issueToken(db, user('uma'), { label: 'test' })).token;
    const answer = await send(cut.url, 'POST', `/api/runs/${runId}/abort`, token, JSON.stringify({ reason: 'temporal down' }));
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'temporal_unavailable', message: expect.stringMatching(/^Temporal cannot be reached right now/), requestId: expect.any(String) });
    // gRPC's words (its status in capitals, the address), not drillbook's code `temporal_unavailable`.
    expect(JSON.stringify(answer.body)).not.toMatch(/UNAVAILABLE|ECONNREFUSED|grpc|127\.0\.0\.1/);
    expect(log.lines.some((l) => l.includes(String(answer.body.requestId)) && /UNAVAILABLE/.test(l))).toBe(true);
    const record = await refusedRecord(db, answer.body.requestId);
    expect(record).toMatchObject({ chain_id: runId, actor: user('uma'), type: 'action.refused' });
    expect(record!.data).toMatchObject({ action: 'abort', status: 503, code: 'temporal_unavailable' });
    expect(record!.body).not.toMatch(/UNAVAILABLE|ECONNREFUSED/);
  } finally {
    await cut.close();
    await nowhere.connection.close().catch(() => undefined);
  }
});
