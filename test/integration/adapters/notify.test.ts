import { notifyAdapter } from '../../../activities/adapters/notify';
import { FAILURES } from '../../../src/plan/failures';
import { failureOf, issuesOf, run } from './adapter-context';
import { sendJson, startTestServer, type TestServer } from './http-test-server';

describe('notify adapter', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      '/hook': (_req, res) => res.writeHead(204).end(),
      '/broken': (_req, res) => sendJson(res, 500, { error: 'down' }),
      '/rejects': (_req, res) => sendJson(res, 400, { error: 'bad channel' }),
    });
  });
  afterAll(() => server.close());

  it('POSTs { message, channel, data } as JSON with secret headers', async () => {
    process.env.DRILLBOOK_SECRET_TEST_HOOK_TOKEN = 'hook-token-7';
    const output = await run(notifyAdapter, {
      url: `${server.baseUrl}/hook`,
      message: 'Failover drill started',
      channel: '#dr-drills',
      data: { run: 'r-1', rtoTargetMs: 900_000 },
      headersFromSecrets: { 'X-Hook-Token': 'env:DRILLBOOK_SECRET_TEST_HOOK_TOKEN' },
    });
    expect(output).toEqual({ status: 204, delivered: true, durationMs: expect.any(Number) });
    const request = server.received.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['x-hook-token']).toBe('hook-token-7');
    expect(JSON.parse(request.body)).toEqual({
      message: 'Failover drill started',
      channel: '#dr-drills',
      data: { run: 'r-1', rtoTargetMs: 900_000 },
    });
  });

  it('fails on a non-2xx answer: 5xx retryable, 4xx not', async () => {
    const broken = await failureOf(run(notifyAdapter, { url: `${server.baseUrl}/broken`, message: 'x' }));
    expect(broken.type).toBe(FAILURES.HttpStatusUnexpected);
    expect(broken.nonRetryable).toBe(false);
    const rejected = await failureOf(run(notifyAdapter, { url: `${server.baseUrl}/rejects`, message: 'x' }));
    expect(rejected.nonRetryable).toBe(true);
  });

  it('refuses unknown keys and an empty message', () => {
    expect(issuesOf(notifyAdapter, { url: 'http://x/', message: 'hi', text: 'hi' })).toHaveLength(1);
    expect(issuesOf(notifyAdapter, { url: 'http://x/', message: '' })).toHaveLength(1);
  });
});
