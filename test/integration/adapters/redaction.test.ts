/**
 * The one redaction point (activities/adapter-call.ts), adapter by adapter: a resolved secret — and
 * its base64, URL-encoded and JSON-escaped forms — appears neither in an output nor in a failure,
 * including errors thrown inside libraries (undici quoting a multi-line header value).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execAdapter } from '../../../activities/adapters/exec';
import { httpAdapter } from '../../../activities/adapters/http';
import { notifyAdapter } from '../../../activities/adapters/notify';
import { postgresAdapter } from '../../../activities/adapters/postgres';
import { failureOf, run } from './adapter-context';
import { sendJson, startTestServer, type TestServer } from './http-test-server';

const PG = process.env.TEST_ADAPTER_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MULTI_LINE = 'Bearer mlsecret-first-line-4242\nsecond-line-of-it-9191';
const TOKEN = 'tok/en+with spaces&"quotes"-7777';

/** Every form of `secret` that must not leak. */
function forms(secret: string): string[] {
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    ...secret.split('\n').filter((l) => l.length >= 8),
  ];
}

function expectNoLeak(thing: unknown, secret: string): void {
  const text = thing instanceof Error ? `${thing.message}\n${thing.stack}\n${JSON.stringify((thing as { details?: unknown }).details ?? null)}` : JSON.stringify(thing);
  for (const form of forms(secret)) expect(text).not.toContain(form);
}

describe('one redaction point for every adapter', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'drillbook-redact-'));
  beforeAll(async () => {
    mkdirSync(join(dir, 'secrets'));
    process.env.DRILLBOOK_SECRETS_DIRS = join(dir, 'secrets');
    process.env.DRILLBOOK_SECRET_REDACT_MULTI = MULTI_LINE;
    process.env.DRILLBOOK_SECRET_REDACT_TOKEN = TOKEN;
    writeFileSync(join(dir, 'secrets', 'token'), `${TOKEN}\n`);
    server = await startTestServer({
      // Echoes the header back in every common encoding.
      '/echo': (req, res) => {
        const value = String(req.headers['x-token'] ?? '');
        sendJson(res, 200, { raw: value, b64: Buffer.from(value).toString('base64'), url: encodeURIComponent(value), json: JSON.stringify({ value }) });
      },
      '/refuse': (req, res) => sendJson(res, 403, { error: `token ${String(req.headers['x-token'])} refused` }),
    });
  });
  afterAll(async () => {
    delete process.env.DRILLBOOK_SECRETS_DIRS;
    await server.close();
  });

  it('http: a library error quoting a multi-line header value (undici Headers.append)', async () => {
    const failure = await failureOf(
      run(httpAdapter, { url: `${server.baseUrl}/echo`, headersFromSecrets: { 'X-Token': 'env:DRILLBOOK_SECRET_REDACT_MULTI' } }),
    );
    expect(failure.message).toContain('[redacted:env:DRILLBOOK_SECRET_REDACT_MULTI]');
    expectNoLeak(failure, MULTI_LINE);
  });

  it('http: an echo of the secret in every encoding, and a refusal quoting it', async () => {
    for (const ref of ['env:DRILLBOOK_SECRET_REDACT_TOKEN', `file:${join(dir, 'secrets', 'token')}`]) {
      const output = await run(httpAdapter, { url: `${server.baseUrl}/echo`, headersFromSecrets: { 'X-Token': ref } });
      expect(JSON.stringify(output)).toContain(`[redacted:${ref}]`);
      expectNoLeak(output, TOKEN);
      const refused = await failureOf(run(httpAdapter, { url: `${server.baseUrl}/refuse`, headersFromSecrets: { 'X-Token': ref } }));
      expect(refused.message).toContain('answered 403');
      expectNoLeak(refused, TOKEN);
    }
  });

  it('notify: a receiver refusing and quoting the hook token', async () => {
    const failure = await failureOf(
      run(notifyAdapter, { url: `${server.baseUrl}/refuse`, message: 'x', headersFromSecrets: { 'X-Token': 'env:DRILLBOOK_SECRET_REDACT_TOKEN' } }),
    );
    expectNoLeak(failure, TOKEN);
    const multi = await failureOf(
      run(notifyAdapter, { url: `${server.baseUrl}/refuse`, message: 'x', headersFromSecrets: { 'X-Token': 'env:DRILLBOOK_SECRET_REDACT_MULTI' } }),
    );
    expectNoLeak(multi, MULTI_LINE);
  });

  it('exec: a process printing its secret, encoded, on stdout and stderr, then failing', async () => {
    const script = `const v = process.env.TOKEN;
      console.log(v, Buffer.from(v).toString('base64'), encodeURIComponent(v), JSON.stringify(v));
      console.error('bad token: ' + v); process.exit(3);`;
    const failure = await failureOf(
      run(execAdapter, { argv: [process.execPath, '-e', script], envFromSecrets: { TOKEN: 'env:DRILLBOOK_SECRET_REDACT_TOKEN' } }),
    );
    expect(failure.message).toContain('bad token: [redacted:env:DRILLBOOK_SECRET_REDACT_TOKEN]');
    expectNoLeak(failure, TOKEN);
  });

  it("postgres: a server echoing the connection URL's password", async () => {
    const password = 'pg-pass-word-5150';
    const url = new URL(PG);
    url.password = password;
    url.searchParams.set('application_name', password);
    process.env.DRILLBOOK_SECRET_REDACT_PG = url.toString();
    const output = await run(postgresAdapter, {
      operation: 'query',
      url: 'env:DRILLBOOK_SECRET_REDACT_PG',
      sql: "SELECT current_setting('application_name') AS app",
    });
    expect(JSON.stringify(output)).toContain('[redacted:env:DRILLBOOK_SECRET_REDACT_PG]');
    expectNoLeak(output, password);
    const failure = await failureOf(
      run(postgresAdapter, { operation: 'query', url: 'env:DRILLBOOK_SECRET_REDACT_PG', sql: "SELECT 1 / 0 AS app, current_setting('application_name')" }),
    );
    expectNoLeak(failure, url.toString());
  });
});
