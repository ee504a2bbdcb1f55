/** Starts the operators' API on a host and port (0 = any free port, for tests). */
import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { buildApp, type ApiDeps } from './app';

export interface RunningApi {
  app: FastifyInstance;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(deps: ApiDeps & { host?: string; port?: number }): Promise<RunningApi> {
  const app = await buildApp(deps);
  // Loopback unless told otherwise: put TLS termination in front before exposing it.
  await app.listen({ host: deps.host ?? '127.0.0.1', port: deps.port ?? 0 });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return { app, url: `http://${host}:${address.port}`, close: () => app.close() };
}
