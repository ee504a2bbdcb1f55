import { httpAdapter } from '../../../activities/adapters/http';
import { FAILURES } from '../../../src/plan/failures';
import { failureOf, issuesOf, makeContext, run } from './adapter-context';
import { sendJson, startTestServer, type TestServer } from './http-test-server';

describe('http adapter', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      '/state': (_req, res) => sendJson(res, 200, { data: { state: 'active', weight: 100 }, items: [{ name: 'dr-1' }] }),
      '/text': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('plain ok'),
      '/echo': (req, res) => sendJson(res, 201, { method: req.method, headers: req.headers, body: req.body }),
      '/status': (req, res) => {
        const status = Number(new URL(req.url, 'http://x').searchParams.get('code'));
        sendJson(res, status, { error: `status ${status}` }, status === 503 ? { 'retry-after': '7' } : {});
      },
      '/slow': (_req, res) => void setTimeout(() => res.destroyed || sendJson(res, 200, { late: true }), 3_000).unref(),
      '/big': (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(400 * 1024)}"`),
    });
  });
  afterAll(() => server.close());

  it('GETs JSON and reports status, a few headers, the body and the duration', async () => {
    const output = await run(httpAdapter, {
      url: `${server.baseUrl}/state`,
      expect: { status: 200, json: { 'data.state': 'active', 'items.0.name': 'dr-1' } },
    });
    expect(output).toEqual({
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      json: { data: { state: 'active', weight: 100 }, items: [{ name: 'dr-1' }] },
      durationMs: expect.any(Number),
    });
  });

  it('returns non-JSON bodies as text', async () => {
    await expect(run(httpAdapter, { url: `${server.baseUrl}/text` })).resolves.toMatchObject({ status: 200, text: 'plain ok' });
  });

  it('POSTs a JSON body with plain and secret headers, redacting the secret from the echo', async () => {
    process.env.DRILLBOOK_SECRET_TEST_GSLB_TOKEN = 'Bearer gslb-token-42';
    const output = (await run(httpAdapter, {
      method: 'POST',
      url: `${server.baseUrl}/echo`,
      headers: { 'X-Drill': 'yes' },
      headersFromSecrets: { Authorization: 'env:DRILLBOOK_SECRET_TEST_GSLB_TOKEN' },
      body: { site: 'dr', weight: 100 },
      expect: { status: [200, 201] },
    })) as { status: number; json: { headers: Record<string, string>; body: string } };
    const request = server.received.at(-1)!;
    expect(request.headers.authorization).toBe('Bearer gslb-token-42');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-drill']).toBe('yes');
    expect(JSON.parse(request.body)).toEqual({ site: 'dr', weight: 100 });
    expect(output.status).toBe(201);
    expect(output.json.headers.authorization).toBe('[redacted:env:DRILLBOOK_SECRET_TEST_GSLB_TOKEN]');
    expect(JSON.stringify(output)).not.toContain('gslb-token-42');
  });

  it('fails ExpectationNotMet, non-retryable, naming each differing field', async () => {
    const failure = await failureOf(
      run(httpAdapter, { url: `${server.baseUrl}/state`, expect: { json: { 'data.state': 'standby', 'data.weight': 100 } } }),
    );
    expect(failure.type).toBe(FAILURES.ExpectationNotMet);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain('data.state is "active", expected "standby"');
    expect(failure.message).not.toContain('data.weight');
  });

  it('maps statuses: 4xx non-retryable, 5xx and 429 retryable with Retry-After, expected statuses pass', async () => {
    const notFound = await failureOf(run(httpAdapter, { url: `${server.baseUrl}/status?code=404` }));
    expect(notFound.type).toBe(FAILURES.HttpStatusUnexpected);
    expect(notFound.nonRetryable).toBe(true);
    expect(notFound.message).toContain('answered 404, expected 2xx');

    const unavailable = await failureOf(run(httpAdapter, { url: `${server.baseUrl}/status?code=503` }));
    expect(unavailable.type).toBe(FAILURES.HttpStatusUnexpected);
    expect(unavailable.nonRetryable).toBe(false);
    expect(unavailable.nextRetryDelay).toBe(7_000);

    expect((await failureOf(run(httpAdapter, { url: `${server.baseUrl}/status?code=429` }))).nonRetryable).toBe(false);
    // An expected status is no failure, and an unexpected 2xx is a definitive one.
    await expect(run(httpAdapter, { url: `${server.baseUrl}/status?code=503`, expect: { status: 503 } })).resolves.toMatchObject({
      status: 503,
    });
    const wrong2xx = await failureOf(run(httpAdapter, { url: `${server.baseUrl}/state`, expect: { status: 204 } }));
    expect(wrong2xx.nonRetryable).toBe(true);
  });

  it('times out per call, retryable', async () => {
    const startedAt = Date.now();
    const failure = await failureOf(run(httpAdapter, { url: `${server.baseUrl}/slow`, timeoutMs: 200 }));
    expect(failure.type).toBe(FAILURES.AdapterTimedOut);
    expect(failure.nonRetryable).toBe(false);
    expect(Date.now() - startedAt).toBeLessThan(2_000);
  });

  it('reports a refused connection as HttpRequestFailed, retryable', async () => {
    const closed = await startTestServer({});
    await closed.close();
    const failure = await failureOf(run(httpAdapter, { url: `${closed.baseUrl}/health` }));
    expect(failure.type).toBe(FAILURES.HttpRequestFailed);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.message).toContain('ECONNREFUSED');
  });

  it('stops when the signal aborts, with its reason, having heartbeated', async () => {
    const ctx = makeContext();
    const reason = new Error('activity cancelled');
    setTimeout(() => ctx.controller.abort(reason), 150);
    await expect(run(httpAdapter, { url: `${server.baseUrl}/slow` }, ctx)).rejects.toBe(reason);
    expect(ctx.heartbeats.length).toBeGreaterThanOrEqual(1);
  });

  it('caps a large body and returns it as truncated text', async () => {
    const output = (await run(httpAdapter, { url: `${server.baseUrl}/big` })) as { text: string; bodyTruncated: boolean };
    expect(output.bodyTruncated).toBe(true);
    expect(output.text.length).toBe(256 * 1024);
  });

  it('refuses unknown keys, credentials in plain headers, bodies on GET, other schemes, secret values', () => {
    expect(issuesOf(httpAdapter, { url: 'http://x/', expected: { status: 200 } })).toEqual([
      expect.stringContaining('Unrecognized key'),
    ]);
    expect(issuesOf(httpAdapter, { url: 'http://x/', expect: { stauts: 200 } })).toHaveLength(1);
    expect(issuesOf(httpAdapter, { url: 'http://x/', headers: { Authorization: 'Bearer abc' } })).toEqual([
      expect.stringContaining('headersFromSecrets'),
    ]);
    expect(issuesOf(httpAdapter, { url: 'http://x/', body: { a: 1 } })).toEqual(['body: a GET request has no body']);
    expect(issuesOf(httpAdapter, { url: 'file:///etc/passwd' })).toHaveLength(1);
    expect(issuesOf(httpAdapter, { url: 'http://x/', headersFromSecrets: { 'X-Token': 'raw-token' } })).toHaveLength(1);
    expect(issuesOf(httpAdapter, { url: 'http://x/', timeoutMs: '5s' })).toHaveLength(1);
    expect(issuesOf(httpAdapter, { url: 'http://x/', method: 'post' })).toHaveLength(1);
  });
});
