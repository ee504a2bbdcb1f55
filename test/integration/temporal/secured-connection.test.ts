/**
 * Secured Temporal connections (src/config/temporal-connection.ts), against the real dev server
 * behind a loopback TLS proxy that demands a client certificate (node:tls with ALPN h2 and
 * requestCert, piping to the dev server's plain port; certificates made here with openssl):
 * the CLI's Connection, the API's (the same), and the worker's NativeConnection connect with the
 * right CA and client certificate, and are refused without the client certificate; the API key is
 * sent as `authorization: Bearer …` (seen by a loopback h2c server: the dev server ignores it).
 * Bad settings are refused at start with the variable's name.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Kysely } from 'kysely';
import type { Database } from '../../../src/audit/database';
import { loadTemporalSecurity } from '../../../src/config/temporal-connection';
import { adapterRegistry } from '../../../activities/adapters/index';
import { loadRunbookText } from '../../../src/runbook/load';
import { startSignedRun } from '../../support/signing';
import { startWorkers } from '../../../src/temporal/worker';
import { runCli } from '../../support/cli';
import { destroyTestDb, testDb, testDbUrl } from '../../support/db';
import { temporalAddress, uniqueQueue } from '../../support/temporal';

const dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
const file = (name: string) => path.join(dir, name);
let proxy: tls.Server;
let proxyAddress: string;
let db: Kysely<Database>;
const sockets = new Set<net.Socket>();

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'ignore' });
}

/** A CA, a server certificate for `temporal.test`, and a client certificate, all signed by the CA. */
function makeCertificates(): void {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=drillbook test CA');
  for (const [name, ext] of [['server', 'subjectAltName=DNS:temporal.test\nextendedKeyUsage=serverAuth'], ['client', 'extendedKeyUsage=clientAuth']]) {
    writeFileSync(file(`${name}.ext`), `${ext}\n`);
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), '-days', '2', '-extfile', file(`${name}.ext`));
  }
  // rustls (the worker's core) wants PKCS#8 keys.
  for (const name of ['server', 'client']) openssl('pkcs8', '-topk8', '-nocrypt', '-in', file(`${name}.key`), '-out', file(`${name}.p8`));
}

const tlsEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  TEMPORAL_ADDRESS: proxyAddress,
  TEMPORAL_TLS_CA: file('ca.pem'),
  TEMPORAL_TLS_CERT: file('client.pem'),
  TEMPORAL_TLS_KEY: file('client.p8'),
  TEMPORAL_TLS_SERVER_NAME: 'temporal.test',
  ...extra,
});

beforeAll(async () => {
  makeCertificates();
  const [host, port] = temporalAddress().split(':');
  proxy = tls.createServer(
    { key: readFileSync(file('server.p8')), cert: readFileSync(file('server.pem')), ca: readFileSync(file('ca.pem')), requestCert: true, rejectUnauthorized: true, ALPNProtocols: ['h2'] },
    (client) => {
      const upstream = net.connect({ host, port: Number(port) });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    },
  );
  proxy.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyAddress = `127.0.0.1:${(proxy.address() as net.AddressInfo).port}`;
  db = await testDb();
}, 60_000);

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => proxy?.close(resolve));
  await destroyTestDb(db);
});

test('the client (CLI and API) connects through mTLS with the CA and its certificate; without the certificate it is refused', async () => {
  const security = loadTemporalSecurity(tlsEnv());
  const connection = await Connection.connect({ address: proxyAddress, connectTimeout: '10s', ...security });
  try {
    const info = await connection.workflowService.getSystemInfo({});
    expect(info.serverVersion).toBeTruthy();
  } finally {
    await connection.close();
  }
  const noCert = loadTemporalSecurity(tlsEnv({ TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' }));
  await expect(
    Connection.connect({ address: proxyAddress, connectTimeout: '3s', ...noCert }).then(async (c) => {
      try {
        await c.workflowService.getSystemInfo({});
      } finally {
        await c.close();
      }
    }),
  ).rejects.toThrow();
}, 60_000);

test('the worker (NativeConnection) runs a drill through mTLS; without the client certificate it is refused', async () => {
  const security = loadTemporalSecurity(tlsEnv());
  const taskQueue = uniqueQueue('tls');
  const workers = await startWorkers({ address: proxyAddress, namespace: 'default', taskQueue, sites: [], db, connections: {}, security });
  const connection = await Connection.connect({ address: proxyAddress, ...security });
  try {
    const { plan, planHash } = loadRunbookText(
      'apiVersion: drillbook/v1\nname: tls-drill\nversion: "1"\nowners: [t]\nservices: [s]\nmodes: [drill]\nsteps:\n  - { id: a, title: A, kind: action, action: { adapter: noop, input: {} } }\n',
      'tls.yaml',
      { registry: adapterRegistry },
    );
    const handle = await startSignedRun(new Client({ connection }), { plan: plan!, planHash: planHash!, mode: 'drill', params: {}, initiator: 'olga', reason: 'tls', taskQueue });
    await expect(handle.result()).resolves.toBeDefined();
  } finally {
    await connection.close();
    await workers.shutdown();
  }
  const noCert = loadTemporalSecurity(tlsEnv({ TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' }));
  await expect(NativeConnection.connect({ address: proxyAddress, ...noCert })).rejects.toThrow();
}, 120_000);

test('the CLI reads the TLS settings: `drillbook schedule list` through the proxy works, and is refused without its certificate', async () => {
  const env = { ...tlsEnv(), DATABASE_URL: testDbUrl(db) };
  const ok = await runCli(['schedule', 'list'], { env });
  expect(ok).toMatchObject({ code: 0 });
  const refused = await runCli(['schedule', 'list'], { env: { ...env, TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' } });
  expect(refused.code).toBe(5);
}, 60_000);

test('the API key is sent as a bearer token by the client and the worker (over TLS, as the SDK insists)', async () => {
  const seen: string[] = [];
  const server = http2.createSecureServer({ key: readFileSync(file('server.p8')), cert: readFileSync(file('server.pem')) });
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => sessions.add(s));
  server.on('stream', (stream, headers) => {
    seen.push(String(headers.authorization));
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '14', 'grpc-message': 'test server' }, { endStream: true });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  try {
    writeFileSync(file('api-key'), 'k3y-from-file\n');
    expect(loadTemporalSecurity({ TEMPORAL_ADDRESS: address, TEMPORAL_API_KEY: `file:${file('api-key')}` })).toEqual({ apiKey: 'k3y-from-file' });
    const security = loadTemporalSecurity({ TEMPORAL_ADDRESS: address, TEMPORAL_TLS_CA: file('ca.pem'), TEMPORAL_TLS_SERVER_NAME: 'temporal.test', TEMPORAL_API_KEY: `file:${file('api-key')}` });
    await Connection.connect({ address, connectTimeout: '3s', ...security })
      .then(async (c) => {
        await c.workflowService.getSystemInfo({}).catch(() => undefined);
        await c.close();
      })
      .catch(() => undefined);
    await NativeConnection.connect({ address, ...security }).then((c) => c.close()).catch(() => undefined);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(new Set(seen)).toEqual(new Set(['Bearer k3y-from-file']));
  } finally {
    for (const s of sessions) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}, 60_000);

test('bad settings are refused at start, each with its variable, never echoing a key', async () => {
  const bad = (env: NodeJS.ProcessEnv) => () => loadTemporalSecurity({ TEMPORAL_ADDRESS: '127.0.0.1:1', ...env });
  expect(bad({ TEMPORAL_TLS_CERT: file('client.pem') })).toThrow(/TEMPORAL_TLS_KEY: needed with TEMPORAL_TLS_CERT/);
  expect(bad({ TEMPORAL_TLS_CA: file('missing.pem') })).toThrow(/TEMPORAL_TLS_CA: cannot read .*missing\.pem \(ENOENT\)/);
  expect(bad({ TEMPORAL_TLS_CA: 'relative.pem' })).toThrow(/TEMPORAL_TLS_CA: expected an absolute file path/);
  expect(bad({ TEMPORAL_TLS_CA: file('client.ext') })).toThrow(/TEMPORAL_TLS_CA: .* is not a PEM file/);
  expect(bad({ TEMPORAL_API_KEY: 'plain-secret-value' })).toThrow(/TEMPORAL_API_KEY: expected a secret reference/);
  expect(bad({ TEMPORAL_API_KEY: 'plain-secret-value' })).not.toThrow(/plain-secret-value/);
  expect(bad({ TEMPORAL_API_KEY: 'env:NOT_SET_ANYWHERE_X' })).toThrow(/TEMPORAL_API_KEY: env:NOT_SET_ANYWHERE_X: the variable NOT_SET_ANYWHERE_X is not set/);
  expect(bad({ TEMPORAL_TLS: 'yes' })).toThrow(/TEMPORAL_TLS: expected true or false/);
  expect(loadTemporalSecurity({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS: 'true' })).toEqual({ tls: true });
  expect(loadTemporalSecurity({ TEMPORAL_ADDRESS: 'h:1', TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'env:K', K: 'v' })).toEqual({ tls: false, apiKey: 'v' });
  expect(() => loadTemporalSecurity({ TEMPORAL_TLS_CA: file('ca.pem') })).toThrow(/TEMPORAL_TLS_CA: set, but TEMPORAL_ADDRESS is not/);
  const cli = await runCli(['schedule', 'list'], { env: { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TLS_KEY: file('client.p8'), DATABASE_URL: testDbUrl(db) } });
  expect(cli).toMatchObject({ code: 5, stderr: expect.stringContaining('TEMPORAL_TLS_CERT: needed with TEMPORAL_TLS_KEY') });
});
