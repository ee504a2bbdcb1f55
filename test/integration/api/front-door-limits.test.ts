/**
 * Issue 14, "A flood" and "Unbounded input": ten anonymous 2 MB requests add a few kB each to the
 * trail, not megabytes; wrong tokens lead to a lockout (429, one event per lockout) during which even
 * the right token is refused, per client and per token prefix; bodies and runbooks over their limits
 * are refused naming the field, and recorded; `/api/health` answers quickly while a maximal runbook
 * (DRILLBOOK_RUNBOOK_MAX_BYTES, the parser's own limit) is parsed. Real API on loopback, real PostgreSQL, the real Temporal dev server.
 */
import type { Client } from '@temporalio/client';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import type { ApiLimits } from '../../../src/api/api-limits';
import { DEFAULT_RUNBOOK_MAX_BYTES } from '../../../src/runbook/limits';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { issueToken, upsertUser } from '../../../src/auth/users';
import { testDb, uniqueId } from '../../support/db';
import { testClient, uniqueQueue } from '../../support/temporal';
import { testSigner } from '../../support/signing';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
const servers: RunningApi[] = [];
const suffix = uniqueId('l').slice(2, 10);
const user = (n: string) => `${n}-${suffix}`;

/** The documented defaults (README, docs/operators.md "Security"). */
const DEFAULT_API_LIMITS: ApiLimits = { bodyLimit: 2 * 1024 * 1024, authFailures: 10, lockoutWindowMs: 15 * 60_000, trustProxy: false, sessionIdleMs: 30 * 60_000, sessionMaxMs: 12 * 60 * 60_000 };

/** The documented bound of one refusal event (docs/operators.md, "Security"): its hashed body, and the row with its jsonb copy. */
const REFUSAL_BODY_BYTES = 4096;
const REFUSAL_ROW_BYTES = 8192;

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await closeClient?.();
  await db?.destroy();
});

async function server(limits: Partial<ApiLimits> = {}): Promise<RunningApi> {
  const api = await startApiServer({ signer: await testSigner(), db, temporal: client, taskQueue: uniqueQueue('limits'), port: 0, limits: { ...DEFAULT_API_LIMITS, ...limits } });
  servers.push(api);
  return api;
}

async function send(base: string, method: string, path: string, token: string | null, body?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: response.headers };
}

async function operator(name: string): Promise<string> {
  await upsertUser(db, { name: user(name), roles: ['operator'] });
  return (await issueToken(db, user(name), { label: 'test' })).token;
}

/** What the refusals with these request ids take in the trail. */
async function trailBytes(requestIds: unknown[]) {
  const keys = requestIds.map((id) => `api/${String(id)}/refused`);
  const { rows } = await sql<{ events: number; body: number; row: number }>`
    SELECT count(*)::int AS events, coalesce(sum(octet_length(body)), 0)::int AS body,
           coalesce(sum(pg_column_size(e.*)), 0)::int AS row
    FROM audit_events e WHERE key = ANY(${keys}::text[])`.execute(db);
  return rows[0];
}

test('ten anonymous 2 MB requests add at most the documented few kB each to the trail (and a body over the limit is refused, 413)', async () => {
  const api = await server();
  // The reproducer's shape: many short strings (arrays used to be kept whole) and a long one.
  const evidence = Array.from({ length: 100_000 }, (_, i) => `value-${i}`);
  const filler = 2_000_000 - JSON.stringify({ reason: '', evidence }).length;
  const body = JSON.stringify({ reason: 'x'.repeat(filler), evidence });
  expect(body.length).toBe(2_000_000);
  const ids: unknown[] = [];
  for (let i = 0; i < 10; i++) {
    const answer = await send(api.url, 'POST', '/api/runs/drill-x/steps/s/confirm', null, body);
    expect(answer.status).toBe(401);
    ids.push(answer.body.requestId);
  }
  const used = await trailBytes(ids);
  expect(used.events).toBe(10);
  expect(used.body).toBeLessThanOrEqual(10 * REFUSAL_BODY_BYTES);
  expect(used.row).toBeLessThanOrEqual(10 * REFUSAL_ROW_BYTES);

  const small = await server({ bodyLimit: 100_000 });
  const tooLarge = await send(small.url, 'POST', '/api/runs', null, body);
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body).toMatchObject({ error: 'body_too_large', field: '(body)' });
  expect(String(tooLarge.body.message)).toMatch(/DRILLBOOK_API_BODY_LIMIT/);
  const record = await db.selectFrom('audit_events').selectAll().where('key', '=', `api/${String(tooLarge.body.requestId)}/refused`).executeTakeFirstOrThrow();
  expect(record.data).toMatchObject({ action: 'start', status: 413, request: null, body: { bytes: Buffer.byteLength(body), sha256: null } });
});

test('300 wrong tokens: 429 comes, one event per lockout, and the right token is refused until the window passes', async () => {
  const api = await server({ authFailures: 10, lockoutWindowMs: 10 * 60_000 });
  const token = await operator('lena');
  const since = new Date();
  const statuses: number[] = [];
  for (let i = 0; i < 300; i++) {
    statuses.push((await send(api.url, 'POST', '/api/runs/drill-x/abort', `drb_wrong-${i}-${'z'.repeat(30)}`, '{"reason":"guess"}')).status);
  }
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(statuses.slice(10)).toEqual(Array(290).fill(429));
  // The right token from the same client, during the lockout.
  const locked = await send(api.url, 'GET', '/api/me', token);
  expect(locked.status).toBe(429);
  expect(locked.body).toMatchObject({ error: 'too_many_failures' });
  expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);

  const lockouts = await db
    .selectFrom('audit_events')
    .select(['data', 'actor'])
    .where('type', '=', 'action.refused')
    .where('at', '>=', since)
    .where(sql<boolean>`data->>'code' = 'too_many_failures'`)
    .where(sql<boolean>`data->'lockout'->>'scope' = 'client'`)
    .execute();
  expect(lockouts).toHaveLength(1);
  expect(lockouts[0].data).toMatchObject({ status: 429, action: 'abort', lockout: { scope: 'client', failures: 10 } });


  // A short window: once it has passed, the right token works again.
  const short = await server({ authFailures: 3, lockoutWindowMs: 1500 });
  for (let i = 0; i < 3; i++) expect((await send(short.url, 'GET', '/api/me', `drb_wrong-${i}`)).status).toBe(401);
  expect((await send(short.url, 'GET', '/api/me', token)).status).toBe(429);
  await new Promise((r) => setTimeout(r, 2000));
  expect((await send(short.url, 'GET', '/api/me', token)).status).toBe(200);
});

test("failures with one user's token prefix lock that prefix out, from any client; other users are not", async () => {
  // Behind a proxy: each request from another client address (X-Forwarded-For), so only the prefix counts.
  const api = await server({ authFailures: 5, lockoutWindowMs: 60_000, trustProxy: '127.0.0.1' });
  const token = await operator('pia');
  const other = await operator('ola');
  const prefix = token.slice(0, 10);
  for (let i = 0; i < 5; i++) {
    const answer = await send(api.url, 'POST', '/api/runs/drill-x/abort', `${prefix}guess-${i}`, '{"reason":"x"}', { 'x-forwarded-for': `10.1.0.${i}` });
    expect(answer.status).toBe(401);
  }
  const refused = await send(api.url, 'GET', '/api/me', token, undefined, { 'x-forwarded-for': '10.1.0.99' });
  expect(refused.status).toBe(429);
  expect(String(refused.body.message)).toContain(prefix);
  expect((await send(api.url, 'GET', '/api/me', other, undefined, { 'x-forwarded-for': '10.1.0.99' })).status).toBe(200);
  const event = await db.selectFrom('audit_events').select('data').where('key', '=', `api/${String(refused.body.requestId)}/refused`).executeTakeFirstOrThrow();
  expect(event.data).toMatchObject({ status: 429, client: '10.1.0.99', lockout: { scope: 'token', prefix } });
});

/** A runbook of about `bytes` (many steps), with one error at its end. */
function maximalRunbook(bytes: number): string {
  const head = `apiVersion: drillbook/v1
name: maximal
version: "1"
owners: [team]
services: [payments]
objectives: { rto: 10m }
modes: [drill]
steps:
`;
  const steps: string[] = [];
  let size = head.length;
  for (let i = 0; size < bytes - 400; i++) {
    const step = `  - id: step-${i}\n    title: Step number ${i} of a very long runbook\n    kind: action\n    action: { adapter: noop, input: {} }\n${i > 0 ? `    needs: [step-${i - 1}]\n` : ''}`;
    steps.push(step);
    size += step.length;
  }
  steps.push(`  - id: last\n    title: last\n    kind: action\n    action: { adapter: no-such-adapter, input: {} }\n`);
  return head + steps.join('');
}

test('/api/health answers under 100 ms while a maximal runbook is parsed; the parse errors come back located (400)', async () => {
  const api = await server();
  const token = await operator('mia');
  const text = maximalRunbook(DEFAULT_RUNBOOK_MAX_BYTES - 1000);
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(DEFAULT_RUNBOOK_MAX_BYTES);
  const body = JSON.stringify({ runbook: text, file: 'maximal.yaml', mode: 'drill', reason: 'size test' });
  // A first small parse starts the parse thread.
  expect((await send(api.url, 'POST', '/api/runs', token, JSON.stringify({ runbook: 'name: [', mode: 'drill', reason: 'warm up' }))).status).toBe(400);

  // A client asks for health every 5 ms from before the start is sent until it is answered. Each
  // wait is counted from when the question was due, not when it left: this process's own timers
  // cannot fire while the event loop is blocked, so a blocked loop shows as a late question.
  const pollHealth = async (until: () => boolean): Promise<number[]> => {
    const waits: number[] = [];
    let due = performance.now();
    while (!until()) {
      const health = await fetch(`${api.url}/api/health`);
      await health.json();
      const answered = performance.now();
      waits.push(answered - due);
      due = answered + 5;
      await new Promise((r) => setTimeout(r, 5));
    }
    return waits;
  };
  let parsed = false;
  const parseStart = performance.now();
  const polling = pollHealth(() => parsed);
  await new Promise((r) => setTimeout(r, 20));
  const posting = send(api.url, 'POST', '/api/runs', token, body).finally(() => {
    parsed = true;
  });
  const timings = await polling;
  // The same client as long again with no parse going on: what this shared machine costs by itself.
  const baselineEnd = performance.now() + Math.min(15_000, performance.now() - parseStart);
  const baseline = await pollHealth(() => performance.now() > baselineEnd);
  const answer = await posting;
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ error: 'runbook_invalid', field: 'runbook' });
  expect(String(answer.body.message)).toMatch(/^maximal\.yaml:\d+:\d+: error: .*no-such-adapter/m);
  // Measured during the parse: several answers, the typical one under 100 ms (or, on a machine whose
  // own typical answer is slower, within 100 ms of it), and none near the seconds a blocked event
  // loop costs (main answered health after 2.4 to 4.7 s here). A lone slow answer is the shared
  // machine's pause, which the baseline shows too: the median is what a blocked loop cannot hide.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  expect(timings.length).toBeGreaterThanOrEqual(3);
  expect(median(timings)).toBeLessThan(Math.max(100, median(baseline) + 100));
  expect(Math.max(...timings)).toBeLessThan(Math.max(1000, Math.max(...baseline) + 500));
});

test('a runbook over DRILLBOOK_RUNBOOK_MAX_BYTES is refused on `runbook` (400, located) by the parse thread, and recorded', async () => {
  const api = await server();
  const token = await operator('nia');
  const answer = await send(api.url, 'POST', '/api/runs', token, JSON.stringify({ runbook: maximalRunbook(DEFAULT_RUNBOOK_MAX_BYTES + 10_000), file: 'big.yaml', mode: 'drill', reason: 'too big' }));
  expect(answer.status).toBe(400);
  expect(answer.body).toMatchObject({ error: 'runbook_invalid', field: 'runbook' });
  expect(String(answer.body.message)).toMatch(/^big\.yaml:1:1: error: .*DRILLBOOK_RUNBOOK_MAX_BYTES/);
  const record = await db.selectFrom('audit_events').select(['actor', 'data']).where('key', '=', `api/${String(answer.body.requestId)}/refused`).executeTakeFirstOrThrow();
  expect(record).toMatchObject({ actor: user('nia'), data: { status: 400, code: 'runbook_invalid' } });
});
