/**
 * The console's one way to the server: the same /api routes as the CLI, authenticated by the session
 * cookie (same origin; the browser adds it, scripts cannot read it). Every change (POST, PUT, PATCH,
 * DELETE) carries the session's CSRF token in X-CSRF-Token, which the server checks (403 without).
 * A refusal becomes an `ApiProblem` with the server's message, the field at fault and the request id.
 */

/** A refusal or error from the API, as it answered it. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

let csrfToken: string | undefined;
const unauthenticatedListeners = new Set<() => void>();

/** Set by the session (session.ts) after a sign-in or GET /api/session; cleared at sign-out. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when the server answers 401: the session has ended (expiry, sign-out elsewhere, revoked token). */
export function onUnauthenticated(listener: () => void): () => void {
  unauthenticatedListeners.add(listener);
  return () => unauthenticatedListeners.delete(listener);
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Calls the API. @throws ApiProblem for any answer but 2xx, or when the server cannot be reached. */
export async function api<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiProblem(0, 'unreachable', 'the server cannot be reached: check the network, or that `drillbook serve` runs');
  }
  const text = await response.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (response.ok) return json as T;
  const problem = (json ?? {}) as { error?: string; message?: string; field?: string; requestId?: string };
  if (response.status === 401) for (const listener of unauthenticatedListeners) listener();
  throw new ApiProblem(response.status, problem.error ?? 'error', problem.message ?? `${response.status} ${response.statusText}`, problem.field, problem.requestId);
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);

/** The text shown for any failure: the server's message (it names the field first), and where to find it. */
export function describeProblem(err: unknown): { message: string; field?: string; requestId?: string; status?: number } {
  if (err instanceof ApiProblem) return { message: err.message, field: err.field, requestId: err.requestId, status: err.status };
  return { message: err instanceof Error ? err.message : String(err) };
}

/**
 * A server-sent event stream (GET …/stream): `onData` gets each full document the server sends (on
 * connect and on every change, never a patch), `onState` whether the stream is live. The browser
 * reconnects by itself; the server sends the whole truth again on each connection.
 */
export function stream<T>(path: string, onData: (data: T) => void, onState: (live: boolean) => void, onProblem: (problem: ApiProblem) => void = () => undefined): () => void {
  let source: EventSource | undefined;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;
  const connect = () => {
    const s = new EventSource(path);
    source = s;
    s.addEventListener('open', () => onState(true));
    s.addEventListener('error', () => {
      onState(false);
      // The browser gives up on an answer that is not a stream (401, 403, 404…): ask once why, then try again later.
      if (s.readyState === EventSource.CLOSED && !stopped) void whyRefused();
    });
    s.addEventListener('data', (event) => onData(JSON.parse((event as MessageEvent<string>).data) as T));
    s.addEventListener('problem', (event) => {
      const p = JSON.parse((event as MessageEvent<string>).data) as { status: number; error?: string; message?: string };
      // The session ended or no longer may read: stop, and let the page say so.
      stop();
      onState(false);
      if (p.status === 401) for (const listener of unauthenticatedListeners) listener();
      onProblem(new ApiProblem(p.status, p.error ?? 'error', p.message ?? 'the stream ended'));
    });
  };
  const whyRefused = async () => {
    const controller = new AbortController();
    try {
      const response = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin', signal: controller.signal });
      if (response.ok) controller.abort();
      else {
        const p = (await response.json().catch(() => ({}))) as { error?: string; message?: string; field?: string; requestId?: string };
        if (response.status === 401) for (const listener of unauthenticatedListeners) listener();
        onProblem(new ApiProblem(response.status, p.error ?? 'error', p.message ?? `${response.status}`, p.field, p.requestId));
        if (response.status === 401 || response.status === 403) return;
      }
    } catch {
      // Unreachable: try again below.
    }
    if (!stopped) retry = setTimeout(connect, 2000);
  };
  const stop = () => {
    stopped = true;
    clearTimeout(retry);
    source?.close();
  };
  connect();
  return stop;
}
