/**
 * The traffic switch and an infra API without PostgreSQL: two tiny TCP servers stand in for the
 * sites (each answers with its name), so what the switch does to real TCP connections is visible.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildInfraApi } from '../../../lab/infra-api';
import { TrafficSwitch } from '../../../lab/traffic-switch';
import type { SiteCapacity, SiteId } from '../../../lab/config';

const servers: net.Server[] = [];

async function siteServer(name: string): Promise<number> {
  const server = net.createServer((socket) => socket.on('data', () => socket.write(name)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return (server.address() as AddressInfo).port;
}

/** Connects through the switch and returns the site's answer, or 'closed' when the switch hangs up. */
function ask(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => socket.write('?'));
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.destroy();
    });
    socket.once('close', () => resolve('closed'));
    socket.once('error', () => resolve('closed'));
  });
}

let trafficSwitch: TrafficSwitch;
let switchPort: number;
const changes: Array<{ target: SiteId; fenced: SiteId[] }> = [];

beforeAll(async () => {
  const upstreams = {
    'site-a': { host: '127.0.0.1', port: await siteServer('A') },
    'site-b': { host: '127.0.0.1', port: await siteServer('B') },
  };
  // Find a free port for the switch, then listen on it.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  switchPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  trafficSwitch = new TrafficSwitch({ host: '127.0.0.1', listenPort: switchPort, upstreams, target: 'site-a', onChange: (s) => changes.push(s) });
  await trafficSwitch.listen();
});

afterAll(async () => {
  await trafficSwitch.close();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

test('forwards to the target; switching closes the open sessions, which reconnect to the new site', async () => {
  expect(await ask(switchPort)).toBe('A');
  const open = net.connect({ host: '127.0.0.1', port: switchPort });
  await new Promise((resolve) => open.once('connect', resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const closed = new Promise((resolve) => open.once('close', resolve));
  expect(trafficSwitch.activeConnections('site-a')).toBe(1);

  const result = trafficSwitch.switchTo('site-b');
  expect(result).toMatchObject({ previousTarget: 'site-a', target: 'site-b', closedConnections: 1 });
  expect(result.durationMs).toBeLessThan(10);
  await closed;
  expect(await ask(switchPort)).toBe('B');
  expect(trafficSwitch.switchTo('site-b').closedConnections).toBe(0); // idempotent
  expect(changes).toEqual([{ target: 'site-b', fenced: [] }]);
});

test('a fenced target site gets no connection until unfenced', async () => {
  expect(trafficSwitch.fence('site-b')).toMatchObject({ changed: true });
  expect(await ask(switchPort)).toBe('closed');
  expect(trafficSwitch.refusedConnections).toBe(1);
  expect(trafficSwitch.unfence('site-b')).toEqual({ changed: true });
  expect(await ask(switchPort)).toBe('B');
  trafficSwitch.switchTo('site-a');
});

describe('infra API', () => {
  const capacity: Record<SiteId, SiteCapacity> = {
    'site-a': { cpuCores: 8, memoryMb: 32768, maxConnections: 200, peakConnections: 120 },
    'site-b': { cpuCores: 8, memoryMb: 32768, maxConnections: 200, peakConnections: 120 },
  };
  let baseUrl: string;
  let app: FastifyInstance;
  // Over a real socket: fastify's inject (light-my-request) needs the ESM-only `cookie` package,
  // which jest's CommonJS runtime cannot load without a transform.
  beforeAll(async () => {
    app = buildInfraApi({
      site: 'site-b',
      trafficSwitch,
      getCapacity: (site) => capacity[site],
      setCapacity: (site, value) => (capacity[site] = value),
      probePostgres: async () => ({ reachable: false, error: 'no server here' }),
    });
    baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => app.close());

  const call = async (method: string, url: string, payload?: unknown, raw?: string) => {
    const hasBody = payload !== undefined || raw !== undefined;
    const response = await fetch(`${baseUrl}${url}`, {
      method,
      headers: hasBody ? { 'content-type': 'application/json' } : undefined,
      body: raw ?? (payload === undefined ? undefined : JSON.stringify(payload)),
    });
    const body = (await response.json()) as Record<string, any>;
    return { statusCode: response.status, json: () => body };
  };

  test('PUT /capacity changes what GET /capacity reports; headroom follows the live connections', async () => {
    const put = await call('PUT', '/capacity', { cpuCores: 2 });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ site: 'site-b', cpuCores: 2, memoryMb: 32768, usedConnections: 0, headroomConnections: 200 });
    expect((await call('GET', '/capacity')).json()).toMatchObject({ cpuCores: 2 });
  });

  test('bad bodies get a 400 that names the field', async () => {
    const badTarget = await call('POST', '/traffic/switch', { target: 'site-c' });
    expect(badTarget.statusCode).toBe(400);
    expect(badTarget.json().issues).toEqual([expect.objectContaining({ field: 'target' })]);
    const missing = await call('POST', '/traffic/switch', {});
    expect(missing.json().message).toMatch(/^target: /);
    const unknown = await call('PUT', '/capacity', { cpus: 4 });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().message).toContain('cpus');
    const negative = await call('PUT', '/capacity', { memoryMb: -1 });
    expect(negative.json().issues[0].field).toBe('memoryMb');
    const notJson = await call('POST', '/fence', undefined, '{');
    expect(notJson.statusCode).toBe(400);
  });

  test('fence without a body fences its own site, idempotently; switch and health report it', async () => {
    const fence = await call('POST', '/fence');
    expect(fence.json()).toMatchObject({ site: 'site-b', fenced: true, changed: true });
    expect((await call('POST', '/fence')).json()).toMatchObject({ changed: false });
    expect((await call('GET', '/traffic')).json()).toMatchObject({ target: 'site-a', fenced: ['site-b'] });
    expect((await call('GET', '/health')).json()).toMatchObject({ site: 'site-b', status: 'down', fenced: true });
    const unfence = await call('POST', '/unfence', {});
    expect(unfence.json()).toMatchObject({ site: 'site-b', fenced: false, changed: true });
    const switched = await call('POST', '/traffic/switch', { target: 'site-b' });
    expect(switched.json()).toMatchObject({ previousTarget: 'site-a', target: 'site-b' });
  });
});
