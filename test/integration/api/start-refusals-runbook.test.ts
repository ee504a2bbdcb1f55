/**
 * The API's start runs the shared validator, so what `validate` refuses the API refuses too, with a
 * 400 naming the place — never a 500 (issue 14: out-of-scope secrets, a template in `sh -c`, an
 * alias bomb, an expression of 100k terms, a runbook past the size limit).
 */
import type { Client } from '@temporalio/client';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { startApiServer, type RunningApi } from '../../../src/api/server';
import { issueToken, upsertUser } from '../../../src/auth/users';
import { testDb, uniqueId } from '../../support/db';
import { testClient, uniqueQueue } from '../../support/temporal';
import { testSigner } from '../../support/signing';

let db: Kysely<Database>;
let client: Client;
let closeClient: () => Promise<void>;
let api: RunningApi;
let token: string;

beforeAll(async () => {
  db = await testDb();
  ({ client, close: closeClient } = await testClient());
  api = await startApiServer({ signer: await testSigner(), db, temporal: client, taskQueue: uniqueQueue('api-limits'), port: 0 });
  const name = uniqueId('op').slice(0, 20);
  await upsertUser(db, { name, roles: ['operator'] });
  token = (await issueToken(db, name, { label: 'test' })).token;
});

afterAll(async () => {
  await api?.close();
  await closeClient?.();
  await db?.destroy();
});

async function start(runbook: string): Promise<{ status: number; body: { error?: string; message?: string } }> {
  const response = await fetch(`${api.url}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ runbook, file: 'rb.yaml', mode: 'drill', reason: 'limits test' }),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; message?: string } };
}

const head = 'apiVersion: drillbook/v1\nname: t\nversion: "1"\nowners: [sre]\nservices: [core]\n';

test.each([
  ['file:/etc/shadow', `${head}params:\n  pw: { type: secret, default: "file:/etc/shadow" }\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }\n`, /rb\.yaml:7:32: error: secret file:\/etc\/shadow is outside this worker's scope/],
  ['env:HOME', `${head}steps:\n  - { id: s, title: s, kind: action, action: { adapter: http, input: { url: "https://x.example", headersFromSecrets: { A: env:HOME } } } }\n`, /rb\.yaml:7:\d+: error: secret env:HOME is outside this worker's scope/],
  ['sh -c template', `${head}params:\n  x: { type: string }\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: exec, input: { argv: [sh, -c, "echo \${{ params.x }}"] } } }\n`, /rb\.yaml:9:\d+: error: a template in a shell script \(sh -c\)/],
  ['an expression of 100k terms', `${head}steps:\n  - { id: s, title: s, kind: action, when: "${Array(100_000).fill('1').join('+')}", action: { adapter: noop, input: {} } }\n`, /rb\.yaml:7:\d+: error: a text of 199999 characters is longer than the limit/],
  ['a runbook past the size limit', `${head}steps:\n  - { id: s, title: "${'T'.repeat(300_000)}", kind: action, action: { adapter: noop, input: {} } }\n`, /rb\.yaml:1:1: error: a runbook of \d+ bytes is larger than the limit of 262144/],
])('%s: 400 runbook_invalid, located', async (_what, runbook, expected) => {
  const answer = await start(runbook);
  expect(answer.status).toBe(400);
  expect(answer.body.error).toBe('runbook_invalid');
  expect(answer.body.message).toMatch(expected);
  expect(answer.body.message!.length).toBeLessThan(1000);
});

test('an alias bomb: 400, located, not 500', async () => {
  let yaml = `${head}a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n`;
  let prev = 'a';
  for (const name of 'bcdefghi') {
    yaml += `${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
    prev = name;
  }
  yaml += 'steps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: { x: *i } } }\n';
  const answer = await start(yaml);
  expect(answer.status).toBe(400);
  expect(answer.body.message).toMatch(/rb\.yaml:7:8: error: aliases expand to too much data/);
});

test('a secret param given at start outside the scope: 400 naming the param, no run', async () => {
  const runbook = `${head}params:\n  pw: { type: secret, required: true }\nsteps:\n  - { id: s, title: s, kind: action, action: { adapter: noop, input: {} } }\n`;
  const response = await fetch(`${api.url}/api/runs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ runbook, file: 'rb.yaml', mode: 'drill', params: { pw: 'file:/etc/shadow' }, reason: 'limits test' }),
  });
  const body = (await response.json()) as { error?: string; message?: string; runId?: string };
  expect(response.status).toBe(400);
  expect(body.runId).toBeUndefined();
  expect(body.message).toMatch(/params: .*pw.*outside/);
});
