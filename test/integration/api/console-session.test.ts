/**
 * Issue 16, the console's front door: an API token exchanged for a session (HttpOnly, SameSite=Strict
 * cookie), CSRF on every change made with the cookie, sign-out, idle expiry, a revoked token ending
 * its sessions, every sign-in, refused sign-in and sign-out in the trail with the identity (and never
 * the token), and the strict CSP on pages and API answers. Real server, real PostgreSQL.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { DEFAULT_API_LIMITS } from '../../../src/api/api-limits';
import { RunListAnswer } from '../../../src/api/answer-schemas';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { issueToken, revokeTokens, upsertUser } from '../../../src/auth/users';
import { buildConsole, cookieOf } from '../../support/console';
import { projectDir } from '../../support/cli';
import { destroyTestDb, isolatedTestDb } from '../../support/db';
import { testSigner } from '../../support/signing';
import { testClient, uniqueQueue } from '../../support/temporal';

let db: Kysely<Database>;
let temporal: { client: Client; close(): Promise<void> };
let api: RunningApi;
let quick: RunningApi;

beforeAll(async () => {
  db = await isolatedTestDb();
  temporal = await testClient();
  await buildConsole();
  const base = { signer: await testSigner(), db, temporal: temporal.client, taskQueue: uniqueQueue('console-session'), port: 0 };
  api = await startApiServer({ ...base, limits: { ...DEFAULT_API_LIMITS } });
  // Sessions that go idle after a second; a lockout after 3 failed authentications.
  quick = await startApiServer({ ...base, limits: { ...DEFAULT_API_LIMITS, sessionIdleMs: 1000, authFailures: 3 } });
  await upsertUser(db, { name: 'alice', roles: ['operator'] });
});

afterAll(async () => {
  await api?.close();
  await quick?.close();
  await temporal?.close();
  if (db) await destroyTestDb(db);
});

async function signIn(server: RunningApi, token: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ token }) });
  return { response, body: (await response.json()) as Record<string, any>, cookie: cookieOf(response, 'drillbook_session') };
}

async function call(server: RunningApi, method: string, p: string, headers: Record<string, string>, body?: unknown) {
  const response = await fetch(`${server.url}${p}`, { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: response.status, body: (await response.json().catch(() => null)) as Record<string, any> };
}

const events = (action: string) =>
  db.selectFrom('audit_events').select(['type', 'actor', 'data', 'body']).where('chain_id', '=', 'api').orderBy('seq').execute()
    .then((rows) => rows.filter((r) => (r.data as { action?: string }).action === action));

test('sign-in: the token becomes an HttpOnly SameSite=Strict session cookie; the trail records who, never the token', async () => {
  const token = (await issueToken(db, 'alice', { label: 'browser' })).token;
  const { response, body, cookie } = await signIn(api, token);
  expect(response.status).toBe(200);
  expect(body).toEqual(expect.objectContaining({ ok: true, signedIn: true, name: 'alice', roles: ['operator'], csrfToken: expect.any(String) }));
  const setCookie = response.headers.getSetCookie().join('\n');
  expect(setCookie).toMatch(/drillbook_session=[^;]{40,};/);
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Strict/i);
  expect(setCookie).toMatch(/Path=\//);
  expect(setCookie).not.toMatch(/Secure/i); // plain HTTP on loopback; behind TLS it is Secure
  expect(JSON.stringify(body)).not.toContain(token);

  const who = await call(api, 'GET', '/api/session', { cookie: cookie! });
  expect(who.body).toEqual(expect.objectContaining({ signedIn: true, name: 'alice', csrfToken: body.csrfToken }));
  expect((await call(api, 'GET', '/api/me', { cookie: cookie! })).body).toEqual(expect.objectContaining({ name: 'alice' }));

  const signins = await events('signin');
  const mine = signins.find((e) => e.type === 'action.requested' && e.actor === 'alice');
  expect(mine?.data).toEqual(expect.objectContaining({ session: body.session, client: expect.any(String) }));
  const all = await db.selectFrom('audit_events').select('body').execute();
  expect(all.some((e) => e.body.includes(token))).toBe(false);
  expect(all.some((e) => e.body.includes(cookie!.split('=')[1]))).toBe(false);
});

test('signing in again in the same browser ends the session it held', async () => {
  const first = await signIn(api, (await issueToken(db, 'alice', { label: 'first' })).token);
  await upsertUser(db, { name: 'bob', roles: ['auditor'] });
  const second = await signIn(api, (await issueToken(db, 'bob', { label: 'second' })).token, { cookie: first.cookie! });
  expect(second.body.name).toBe('bob');
  expect((await call(api, 'GET', '/api/me', { cookie: first.cookie! })).status).toBe(401);
  expect((await call(api, 'GET', '/api/me', { cookie: second.cookie! })).body.name).toBe('bob');
  expect((await events('signout')).some((e) => e.actor === 'alice' && (e.data as any).session === first.body.session && (e.data as any).ended === 'replaced')).toBe(true);
});

test('a refused sign-in is answered 401 and recorded with whose token it was; a cross-site sign-in is refused', async () => {
  const issued = await issueToken(db, 'alice', { label: 'old' });
  await revokeTokens(db, 'alice', issued.prefix);
  const revoked = await signIn(api, issued.token);
  expect(revoked.response.status).toBe(401);
  expect(revoked.cookie).toBeUndefined();
  const unknown = await signIn(api, 'drb_nobody-knows-this-token');
  expect(unknown.response.status).toBe(401);
  const refused = (await events('signin')).filter((e) => e.type === 'action.refused');
  expect(refused.map((e) => (e.data as any).token?.owner)).toContain('alice');
  expect(refused.every((e) => !e.body.includes(issued.token) && !e.body.includes('nobody-knows-this-token'))).toBe(true);

  const fresh = (await issueToken(db, 'alice', { label: 'x' })).token;
  const cross = await signIn(api, fresh, { 'sec-fetch-site': 'cross-site' });
  expect(cross.response.status).toBe(403);
  expect(cross.body.field).toBe('Sec-Fetch-Site');
  expect(cross.cookie).toBeUndefined();
});

test('CSRF: a change made with the cookie needs the session\'s token; a bearer request does not; refusals are recorded with the identity', async () => {
  const token = (await issueToken(db, 'alice', { label: 'browser' })).token;
  const { body, cookie } = await signIn(api, token);
  const abort = (headers: Record<string, string>) => call(api, 'POST', '/api/runs/no-such-run/abort', headers, { reason: 'csrf test' });

  const missing = await abort({ cookie: cookie! });
  expect(missing.status).toBe(403);
  expect(missing.body).toEqual(expect.objectContaining({ error: 'forbidden', field: 'X-CSRF-Token', requestId: expect.any(String) }));
  const wrong = await abort({ cookie: cookie!, 'x-csrf-token': 'not-the-token' });
  expect(wrong.status).toBe(403);
  // With the token the gate lets it through to the route's own checks (no such run).
  expect((await abort({ cookie: cookie!, 'x-csrf-token': body.csrfToken })).status).toBe(404);
  // Bearer: no ambient credential, no CSRF token needed.
  expect((await abort({ authorization: `Bearer ${token}` })).status).toBe(404);

  const refusal = await db.selectFrom('audit_events').select(['actor', 'data']).where('type', '=', 'action.refused').execute()
    .then((rows) => rows.find((r) => (r.data as any).requestId === missing.body.requestId));
  expect(refusal).toBeDefined();
  expect((refusal!.data as any).status).toBe(403);
});

test('sign-out ends the session (CSRF needed, recorded); the cookie then opens nothing', async () => {
  const token = (await issueToken(db, 'alice', { label: 'browser' })).token;
  const { body, cookie } = await signIn(api, token);
  expect((await call(api, 'DELETE', '/api/session', { cookie: cookie! })).status).toBe(403);
  const out = await call(api, 'DELETE', '/api/session', { cookie: cookie!, 'x-csrf-token': body.csrfToken });
  expect(out).toEqual({ status: 200, body: expect.objectContaining({ ok: true, signedOut: true }) });
  expect((await call(api, 'GET', '/api/me', { cookie: cookie! })).status).toBe(401);
  expect((await call(api, 'GET', '/api/session', { cookie: cookie! })).body).toEqual(expect.objectContaining({ signedIn: false }));
  const signouts = await events('signout');
  expect(signouts.some((e) => e.type === 'action.requested' && e.actor === 'alice' && (e.data as any).session === body.session && (e.data as any).ended === 'signed-out')).toBe(true);
  expect(signouts.some((e) => e.type === 'action.refused' && e.actor === 'alice')).toBe(true);
});

test('a session ends when idle too long, and when its token is revoked; the trail records the end', async () => {
  const idle = await signIn(quick, (await issueToken(db, 'alice', { label: 'idle' })).token);
  expect((await call(quick, 'GET', '/api/me', { cookie: idle.cookie! })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 1300));
  const expired = await call(quick, 'GET', '/api/me', { cookie: idle.cookie! });
  expect(expired.status).toBe(401);
  expect(expired.body.message).toMatch(/idle expired/);
  // A genuine cookie of an ended session is no guess: a console left open in several tabs locks no one out.
  for (let i = 0; i < 4; i++) expect((await call(quick, 'GET', '/api/me', { cookie: idle.cookie! })).status).toBe(401);
  expect((await call(quick, 'GET', '/api/me', { cookie: idle.cookie! })).body.message).toMatch(/session has ended/);

  const issued = await issueToken(db, 'alice', { label: 'revoke-me' });
  const live = await signIn(api, issued.token);
  await revokeTokens(db, 'alice', issued.prefix);
  const after = await call(api, 'GET', '/api/me', { cookie: live.cookie! });
  expect(after.status).toBe(401);
  expect(after.body.message).toMatch(/token revoked/);
  const ends = (await events('signout')).map((e) => e.data as any);
  expect(ends).toEqual(expect.arrayContaining([expect.objectContaining({ session: idle.body.session, ended: 'idle-expired' }), expect.objectContaining({ session: live.body.session, ended: 'token-revoked' })]));
});

test('the console page and every API answer carry the strict CSP; the page\'s one inline script is allowed by its hash', async () => {
  const page = await fetch(`${api.url}/console/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const csp = page.headers.get('content-security-policy')!;
  for (const directive of ["default-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'", "object-src 'none'"]) {
    expect(csp).toContain(directive);
  }
  const map = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)![1];
  expect(csp).toContain(`script-src 'self' 'sha256-${createHash('sha256').update(map).digest('base64')}'`);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
  // Nothing from another origin: every script and style the page names is this server's.
  expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  expect(readFileSync(path.join(projectDir, 'console', 'index.html'), 'utf8')).toBe(html);
  expect((await fetch(`${api.url}/api/health`)).headers.get('content-security-policy')).toBe(csp);
  for (const asset of ['/console/app/main.js', '/console/vendor/preact.mjs', '/console/vendor/markdown-it.mjs', '/console/assets/style.css']) {
    expect({ asset, status: (await fetch(`${api.url}${asset}`)).status }).toEqual({ asset, status: 200 });
  }
  expect((await fetch(`${api.url}/console/vendor/..%2Fpackage.json`)).status).toBe(404);
});

test('the live streams: refusals answered as JSON before the stream starts; then text/event-stream with the whole document as the document says', async () => {
  const token = (await issueToken(db, 'alice', { label: 'streams' })).token;
  const auth = { authorization: `Bearer ${token}` };
  const missing = await fetch(`${api.url}/api/runs/no-such-run/stream`, { headers: auth });
  expect(missing.status).toBe(404);
  expect(await missing.json()).toEqual(expect.objectContaining({ error: 'run_not_found' }));
  expect((await fetch(`${api.url}/api/runs/stream`)).status).toBe(401);
  const bad = await call(api, 'GET', '/api/runs?state=sideways', auth);
  expect(bad).toEqual({ status: 400, body: expect.objectContaining({ field: 'state' }) });

  const controller = new AbortController();
  const response = await fetch(`${api.url}/api/runs/stream?mode=drill`, { headers: auth, signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(response.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes('\n\nevent: data') || !/event: data\ndata: .*\n\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  const data = JSON.parse(/event: data\ndata: (.*)\n\n/.exec(text)![1]);
  expect(RunListAnswer.safeParse(data).success).toBe(true);
});
