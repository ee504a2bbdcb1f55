/**
 * A loopback JSON API for workflow tests: it records every request (`GET /path`), answers 500 while a
 * path has failures left, and otherwise lets the test answer (once the request's body is in).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedApi {
  base: string;
  /** Requests received, in order. */
  calls: string[];
  /** The bodies of POST requests, in order (JSON parsed; `{}` when empty). */
  posted: PostedBody[];
  /** Paths that answer 500 while the count is positive. */
  failuresLeft: Map<string, number>;
  close(): void;
}

export interface PostedBody {
  path: string;
  body: { message?: string } & Record<string, unknown>;
}

function parsed(text: string): PostedBody['body'] {
  if (!text) return {};
  try {
    return JSON.parse(text) as PostedBody['body'];
  } catch {
    return { text };
  }
}

export async function startScriptedApi(respond: (path: string, res: http.ServerResponse) => void): Promise<ScriptedApi> {
  const calls: string[] = [];
  const failuresLeft = new Map<string, number>();
  const posted: PostedBody[] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    calls.push(`${req.method} ${path}`);
    let text = '';
    req.on('data', (c: Buffer) => (text += c));
    req.on('end', () => {
      if (req.method === 'POST') posted.push({ path, body: parsed(text) });
      const left = failuresLeft.get(path) ?? 0;
      if (left > 0) {
        failuresLeft.set(path, left - 1);
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"down"}');
        return;
      }
      respond(path, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, posted, failuresLeft, close: () => server.close() };
}

/** A 200 with a JSON body. */
export function answerJson(res: http.ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
