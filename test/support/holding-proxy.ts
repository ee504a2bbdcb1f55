/**
 * A loopback HTTP proxy in front of a real server (a site's infra API, a webhook receiver) that can
 * hold one request at a chosen point, so that a test kills a worker at an exact place in a step:
 * before the request reached the server (`before-forwarding`: nothing happened there yet) or after
 * the server acted and before the caller got its answer (`before-answering`: it happened, the caller
 * does not know). It can also make one route slow: every such request is forwarded only after a
 * delay (an infrastructure API that answers late). Every other request passes through unchanged.
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type HoldPoint = 'before-forwarding' | 'before-answering';

export interface HeldRequest {
  method: string;
  path: string;
  /** Goes on (forwards, or answers) if its caller is still connected; else drops it, as a dead caller's request. */
  release(): void;
}

export interface HoldingProxy {
  /** The proxy's base URL, to give a runbook instead of the server's. */
  url: string;
  /** Holds the next `method path` at `point`; resolves once a request is held there. */
  hold(method: string, path: string, point: HoldPoint): Promise<HeldRequest>;
  /** From now on every `method path` is forwarded `ms` after it came (0: no more delay). */
  slow(method: string, path: string, ms: number): void;
  /** The requests seen, in order (`POST /fence`). */
  seen: string[];
  close(): Promise<void>;
}

interface Forwarded {
  status: number;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const upstream = new URL(target);
  const seen: string[] = [];
  const delays = new Map<string, number>();
  let pending: { method: string; path: string; point: HoldPoint; held: (h: HeldRequest) => void } | undefined;

  const forward = (req: IncomingMessage, body: Buffer) =>
    new Promise<Forwarded>((resolve, reject) => {
      const out = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const answer = (res: ServerResponse, forwarded: Forwarded) => {
    if (res.destroyed || res.socket?.destroyed) return;
    res.writeHead(forwarded.status, forwarded.headers);
    res.end(forwarded.body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = (req.url ?? '/').split('?')[0];
      seen.push(`${req.method} ${path}`);
      const fail = (error: unknown) => {
        if (!res.headersSent && !res.destroyed) res.writeHead(502).end(String(error));
      };
      const hold = pending && pending.method === req.method && pending.path === path ? pending : undefined;
      if (!hold) {
        setTimeout(() => void forward(req, body).then((f) => answer(res, f), fail), delays.get(`${req.method} ${path}`) ?? 0);
        return;
      }
      pending = undefined;
      const callerGone = () => res.destroyed || (res.socket?.destroyed ?? true);
      if (hold.point === 'before-forwarding') {
        hold.held({ method: hold.method, path, release: () => (callerGone() ? undefined : void forward(req, body).then((f) => answer(res, f), fail)) });
      } else {
        forward(req, body).then((f) => hold.held({ method: hold.method, path, release: () => answer(res, f) }), fail);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    hold(method, path, point) {
      if (pending) throw new Error(`holding-proxy: already waiting to hold ${pending.method} ${pending.path}`);
      return new Promise((held) => {
        pending = { method, path, point, held };
      });
    },
    slow(method, path, ms) {
      if (ms > 0) delays.set(`${method} ${path}`, ms);
      else delays.delete(`${method} ${path}`);
    },
    close: () =>
      new Promise((resolve) => {
        pending = undefined;
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
