/**
 * `drillbook users` as a person runs it (bin/drillbook.js, built): the first admin is bootstrapped on
 * the host straight in the database, once; every other change goes through the API, admin only, each
 * attempt audited (refusals too), each change an event on the `users` chain that never holds a token.
 * Its own database: "no admin exists yet" is a fact about the whole database.
 */
import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { verifyAuditChain } from '../../src/audit/verify-chain';
import { authDb } from '../../src/auth/tables';
import { EXIT } from '../../src/cli/exit-codes';
import { startTestApi, type TestApi } from '../support/api';
import { runCli, type CliOutcome } from '../support/cli';
import { destroyTestDb, isolatedTestDb, testDbUrl } from '../support/db';
import { temporalAddress, testClient, uniqueQueue } from '../support/temporal';

let db: Kysely<Database>;
let temporal: Awaited<ReturnType<typeof testClient>>;
let api: TestApi;

function drillbook(args: string[], token?: string): Promise<CliOutcome> {
  return runCli(args, {
    cwd: os.tmpdir(),
    env: { TEMPORAL_ADDRESS: temporalAddress(), DATABASE_URL: testDbUrl(db), DRILLBOOK_API_URL: api.url, DRILLBOOK_TOKEN: token ?? '' },
  });
}

async function events(chainId: string) {
  return db.selectFrom('audit_events').select(['type', 'actor', 'data', 'body']).where('chain_id', '=', chainId).orderBy('seq').execute();
}

beforeAll(async () => {
  db = await isolatedTestDb();
  temporal = await testClient();
  api = await startTestApi(db, temporal.client, uniqueQueue('users-cli'));
});

afterAll(async () => {
  await api?.close();
  await temporal?.close();
  if (db) await destroyTestDb(db);
});

test('bootstrap makes the first admin once, with a token that works; a second bootstrap is refused (exit 7) and audited', async () => {
  const first = await drillbook(['users', 'bootstrap', 'root']);
  expect(first.code).toBe(EXIT.ok);
  const token = first.stdout.trim();
  expect(token).toMatch(/^drb_/);
  expect(first.stderr).toMatch(/shown once/);
  const me = await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
  expect(await me.json()).toEqual({ name: 'root', roles: ['admin'] });

  const second = await drillbook(['users', 'bootstrap', 'mallory']);
  expect(second.code).toBe(EXIT.conflict);
  expect(second.stderr).toMatch(/an admin exists already/);
  expect(await authDb(db).selectFrom('users').select('name').where('name', '=', 'mallory').execute()).toEqual([]);

  const users = await events('users');
  expect(users.map((e) => e.type)).toEqual(['user.admin_bootstrapped']);
  expect(users[0].actor).toMatch(/^host:/);
  expect(users[0].body).not.toContain(token);
  const refused = (await events('api')).filter((e) => e.type === 'action.refused');
  expect(refused.map((e) => (e.data as { request: { verb: string; name: string } }).request)).toEqual([expect.objectContaining({ verb: 'bootstrap', name: 'mallory' })]);
});

test('users through the API: a non-admin is refused (403, exit 8, audited); the admin adds, issues, lists, revokes and disables', async () => {
  const admin = await api.tokenFor('adele', ['admin']);
  const olga = await api.tokenFor('olga', ['operator']);

  const byOperator = await drillbook(['users', 'add', 'eve', '--role', 'admin'], olga);
  expect(byOperator.code).toBe(EXIT.forbidden);
  expect(byOperator.stderr).toMatch(/manageUsers needs the role "admin"; olga has "operator" \(HTTP 403/);
  expect((await drillbook(['users', 'token', 'olga'], olga)).code).toBe(EXIT.forbidden);
  expect((await drillbook(['users', 'list'], olga)).code).toBe(EXIT.forbidden);
  expect(await drillbook(['users', 'list'])).toMatchObject({ code: EXIT.forbidden, stderr: expect.stringMatching(/no API token/) });
  expect(await authDb(db).selectFrom('users').select('name').where('name', '=', 'eve').execute()).toEqual([]);

  expect(await drillbook(['users', 'add', 'Bad Name', '--role', 'operator'], admin)).toMatchObject({ code: EXIT.usage, stderr: expect.stringMatching(/name: /) });
  expect(await drillbook(['users', 'add', 'alice', '--role', 'operator'], admin)).toMatchObject({ code: EXIT.ok, stdout: 'user alice: operator\n' });
  expect(await drillbook(['users', 'add', 'alice', '--role', 'operator', '--role', 'approver'], admin)).toMatchObject({ code: EXIT.ok, stdout: 'user alice: approver, operator\n' });
  const issued = await drillbook(['users', 'token', 'alice', '--label', 'laptop', '--expires-in-days', '30'], admin);
  expect(issued.code).toBe(EXIT.ok);
  const aliceToken = issued.stdout.trim();
  const me = await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${aliceToken}` } });
  expect(await me.json()).toEqual({ name: 'alice', roles: ['approver', 'operator'] });
  expect((await drillbook(['users', 'token', 'nobody'], admin)).code).toBe(EXIT.notFound);

  const list = JSON.parse((await drillbook(['users', 'list', '--json'], admin)).stdout) as { name: string }[];
  expect(list.map((u) => u.name)).toEqual(expect.arrayContaining(['adele', 'alice', 'olga', 'root']));

  expect(await drillbook(['users', 'revoke', 'alice'], admin)).toMatchObject({ code: EXIT.ok, stdout: '1 token(s) revoked\n' });
  expect((await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${aliceToken}` } })).status).toBe(401);
  expect((await drillbook(['users', 'revoke', 'alice'], admin)).code).toBe(EXIT.notFound);
  expect((await drillbook(['users', 'disable', 'olga'], admin)).code).toBe(EXIT.ok);
  expect((await drillbook(['users', 'list'], olga)).code).toBe(EXIT.forbidden);

  const changes = (await events('users')).filter((e) => e.actor === 'adele');
  expect(changes.map((e) => e.type)).toEqual(['user.added', 'user.roles_set', 'user.token_issued', 'user.tokens_revoked', 'user.disabled']);
  for (const e of changes) expect(e.body).not.toContain(aliceToken);
  const refused = (await events('api')).filter((e) => e.type === 'action.refused' && e.actor === 'olga');
  expect(refused.map((e) => [(e.data as { action: string }).action, (e.data as { status: number }).status])).toEqual([
    ['manageUsers', 403],
    ['manageUsers', 403],
  ]);
  expect((await verifyAuditChain(db)).ok).toBe(true);
});

test('bad bodies to the users and findings routes are answered 400 naming the field, audited, and change nothing', async () => {
  const admin = await api.tokenFor('adm2', ['admin']);
  const audrey = await api.tokenFor('audrey', ['auditor']);
  const post = async (path: string, token: string, body: unknown) => {
    const response = await fetch(`${api.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { field?: string; message?: string; requestId?: string } };
  };
  expect(await post('/api/users', admin, { name: 'zed', roles: ['operator'], colour: 'red' })).toMatchObject({ status: 400, body: { field: 'colour' } });
  expect(await post('/api/users', admin, { name: 'zed', roles: [] })).toMatchObject({ status: 400, body: { field: 'roles' } });
  expect(await post('/api/users', admin, { name: 'zed', roles: ['Not A Role'] })).toMatchObject({ status: 400, body: { field: 'roles.0' } });
  expect(await post('/api/users/zed/tokens', admin, { expiresInDays: -1 })).toMatchObject({ status: 400, body: { field: 'expiresInDays' } });
  expect(await post('/api/findings', audrey, { severity: 'huge', category: 'rto', title: 't', description: 'd' })).toMatchObject({ status: 400, body: { field: 'severity' } });
  expect(await post('/api/findings', audrey, { severity: 'low', category: 'rto', title: 't', description: 'd', recordedBy: 'ceo' })).toMatchObject({ status: 400, body: { field: 'recordedBy' } });
  expect(await post('/api/findings/F-9999/risk-acceptances', audrey, { rationale: 'r', expiresAt: '2099-01-01' })).toMatchObject({ status: 403 });
  expect(await authDb(db).selectFrom('users').select('name').where('name', '=', 'zed').execute()).toEqual([]);
  const refused = (await events('api')).filter((e) => e.type === 'action.refused' && ['adm2', 'audrey'].includes(e.actor));
  expect(refused.map((e) => (e.data as { status: number }).status)).toEqual([400, 400, 400, 400, 400, 400, 403]);
});

test('two bootstraps racing on an empty database: exactly one makes an admin', async () => {
  const fresh = await isolatedTestDb();
  try {
    const env = { TEMPORAL_ADDRESS: temporalAddress(), DATABASE_URL: testDbUrl(fresh), DRILLBOOK_TOKEN: '' };
    const [a, b] = await Promise.all([runCli(['users', 'bootstrap', 'ann'], { cwd: os.tmpdir(), env }), runCli(['users', 'bootstrap', 'ben'], { cwd: os.tmpdir(), env })]);
    expect([a.code, b.code].sort()).toEqual([EXIT.ok, EXIT.conflict]);
    const admins = await authDb(fresh).selectFrom('users').select('name').execute();
    expect(admins).toHaveLength(1);
  } finally {
    await destroyTestDb(fresh);
  }
});
