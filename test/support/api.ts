/**
 * The operators' API for tests: the real server (src/api/server.ts) on a loopback port of its own, and
 * users with tokens made straight in the test database (as an admin would through the API).
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/audit/database';
import { startApiServer, type RunningApi } from '../../src/api/server';
import { issueToken, upsertUser } from '../../src/auth/users';
import { ApiClient } from '../../src/cli/api-client';
import type { RunningWorkers } from '../../src/temporal/worker';
import { testDb, uniqueId } from './db';
import { testSigner } from './signing';
import { testClient, testWorkers, uniqueQueue } from './temporal';

export interface TestApi extends RunningApi {
  /** Creates (or sets the roles of) `name` and returns a fresh token for them. */
  tokenFor(name: string, roles: string[]): Promise<string>;
  /** An API client acting as `name` with `roles`. */
  clientFor(name: string, roles: string[]): Promise<ApiClient>;
}

export async function startTestApi(db: Kysely<Database>, temporal: Client, taskQueue: string): Promise<TestApi> {
  const api = await startApiServer({ signer: await testSigner(), db, temporal, taskQueue, port: 0 });
  const tokenFor = async (name: string, roles: string[]) => {
    await upsertUser(db, { name, roles });
    return (await issueToken(db, name, { label: 'test' })).token;
  };
  return { ...api, tokenFor, clientFor: async (name, roles) => new ApiClient({ api: api.url, token: await tokenFor(name, roles) }) };
}

/** An answer of the API: its status, its JSON body (`{}` when empty) and its headers. */
export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** `method path` on the API at `base` with the bearer `token` (none: anonymous) and `body` as it is, sent as JSON. */
export async function sendRaw(base: string, method: string, path: string, token: string | null, body?: string, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown>, headers: response.headers };
}

/** `sendRaw` with `body` written as JSON. */
export function sendJson(base: string, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  return sendRaw(base, method, path, token, body === undefined ? undefined : JSON.stringify(body), headers);
}

/** What an API test file runs against: the test database, a client, the API, and its users' tokens. */
export interface ApiSuite {
  db: Kysely<Database>;
  client: Client;
  taskQueue: string;
  api: TestApi;
  /** name → token of the users asked for (and any the test adds). */
  tokens: Record<string, string>;
  /** The database name of user `name`: unique per file, so parallel files never share users. */
  user(name: string): string;
  /** `method path` as `who` (a name in `tokens`, else a token itself; null: anonymous), `body` as JSON. */
  call(method: string, path: string, who: string | null, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
}

/**
 * Before the file's tests: the test database, a client, the API on a queue `queuePrefix-…` (with the
 * real workers on it unless `workers` is false) and a token for each of `users` (name → roles);
 * after them, all closed. The fields are set once `beforeAll` has run.
 */
export function apiSuite(queuePrefix: string, users: Record<string, string[]> = {}, { workers = true } = {}): ApiSuite {
  const suffix = uniqueId('u').slice(2, 10);
  let running: RunningWorkers | undefined;
  let closeClient: (() => Promise<void>) | undefined;
  const suite = {
    tokens: {},
    user: (name) => `${name}-${suffix}`,
    call: (method, path, who, body, headers) => sendJson(suite.api.url, method, path, who === null ? null : (suite.tokens[who] ?? who), body, headers),
  } as ApiSuite;
  beforeAll(async () => {
    suite.db = await testDb();
    const connected = await testClient();
    ({ client: suite.client, close: closeClient } = connected);
    suite.taskQueue = uniqueQueue(queuePrefix);
    if (workers) running = await testWorkers(suite.db, suite.taskQueue);
    suite.api = await startTestApi(suite.db, suite.client, suite.taskQueue);
    for (const [name, roles] of Object.entries(users)) suite.tokens[name] = await suite.api.tokenFor(suite.user(name), roles);
  });
  afterAll(async () => {
    await suite.api?.close();
    await running?.shutdown();
    await closeClient?.();
    await suite.db?.destroy();
  });
  return suite;
}

/** The API's record of the refused request `requestId` (its event on the api chain), if any. */
export async function refusedRecord(db: Kysely<Database>, requestId: unknown) {
  return db.selectFrom('audit_events').selectAll().where('key', '=', `api/${String(requestId)}/refused`).executeTakeFirst();
}
