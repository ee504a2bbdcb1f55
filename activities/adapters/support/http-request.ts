/**
 * One HTTP request with the adapter rules, shared by the `http` and `notify` adapters: a per-call
 * timeout, cancellation through the activity's signal, heartbeats while waiting, a capped body, and
 * the one mapping from HTTP statuses to retryable or not.
 */
import { ApplicationFailure } from '@temporalio/common';
import { FAILURES } from '../../../src/plan/failures';
import type { Json } from '../../../src/plan/types';
import type { AdapterContext } from '../types';
import { abortReason, startHeartbeats } from './cancellation';

/**
 * Bytes of response body kept. Outputs land in the workflow history and the audit trail: a probe
 * needs a status document, not a download, and Temporal refuses payloads over 2 MiB.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/** Response headers copied to the output: the few a later step or an operator may need. */
const KEPT_HEADERS = ['content-type', 'location', 'etag', 'retry-after'];

/**
 * Longest `Retry-After` honoured as the next retry delay: a drill must not silently stall longer on a
 * server's say-so; past this the step's own retry policy applies.
 */
const MAX_RETRY_AFTER_MS = 60_000;

export interface HttpRequestSpec {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** Sent as JSON (`content-type: application/json`) when defined. */
  body?: Json;
  timeoutMs: number;
}

export interface HttpResponseSummary {
  status: number;
  headers: Record<string, string>;
  /** The parsed body when it is JSON; otherwise `text`. */
  json?: Json;
  text?: string;
  bodyTruncated: boolean;
  durationMs: number;
  /** Raw `Retry-After`, kept for the failure's next retry delay. */
  retryAfter?: string;
}

/**
 * Sends the request and reads the response (body capped at `MAX_BODY_BYTES`).
 *
 * @throws the abort reason if `ctx.signal` aborts; `AdapterTimedOut` (retryable: the server may be
 *   slow now and fine later) past `timeoutMs`; `HttpRequestFailed` (retryable: refused or reset
 *   connections are what a site in failover looks like for a moment) when no response arrives.
 *   Never throws for a status: see `assertStatus`.
 */
export async function sendHttpRequest(spec: HttpRequestSpec, ctx: AdapterContext): Promise<HttpResponseSummary> {
  if (ctx.signal.aborted) throw abortReason(ctx.signal);
  const timeout = AbortSignal.timeout(spec.timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const headers: Record<string, string> = { ...spec.headers };
  if (spec.body !== undefined && !hasHeader(headers, 'content-type')) headers['content-type'] = 'application/json';

  const startedAt = performance.now();
  const stopHeartbeats = startHeartbeats(ctx, () => ({ waitingMs: Math.round(performance.now() - startedAt) }));
  try {
    const response = await fetch(spec.url, {
      method: spec.method,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      signal,
    });
    const { bytes, truncated } = await readCapped(response);
    const durationMs = Math.round(performance.now() - startedAt);
    const summary: HttpResponseSummary = {
      status: response.status,
      headers: keptHeaders(response.headers),
      bodyTruncated: truncated,
      durationMs,
    };
    const retryAfter = response.headers.get('retry-after');
    if (retryAfter !== null) summary.retryAfter = retryAfter;
    // What the server echoes of a secret header is redacted with the rest of the output (activities/adapter-call.ts).
    const text = bytes.toString('utf8');
    const json = !truncated && isJsonContentType(response.headers.get('content-type')) ? parseJson(text) : undefined;
    if (json !== undefined) summary.json = json;
    else summary.text = text;
    return summary;
  } catch (err) {
    if (ctx.signal.aborted) throw abortReason(ctx.signal);
    if (timeout.aborted) {
      throw ApplicationFailure.create({
        type: FAILURES.AdapterTimedOut,
        message: `${spec.method} ${spec.url}: no complete response within ${spec.timeoutMs} ms`,
      });
    }
    throw ApplicationFailure.create({
      type: FAILURES.HttpRequestFailed,
      message: `${spec.method} ${spec.url} failed: ${describeFetchError(err)}`,
    });
  } finally {
    stopHeartbeats();
  }
}

/**
 * True when a retry of the same request may get another answer: 5xx (server trouble), 408 (request
 * timeout), 425 (too early), 429 (rate limited). Every other 4xx means the request itself is wrong
 * (auth, path, payload) and the same request gets the same answer.
 */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/**
 * @throws `HttpStatusUnexpected` when `response.status` is not in `expected` (default: any 2xx),
 *   retryable per `isRetryableStatus`, with the server's `Retry-After` (capped) as the next delay.
 */
export function assertStatus(spec: HttpRequestSpec, response: HttpResponseSummary, expected?: number[]): void {
  const ok = expected ? expected.includes(response.status) : response.status >= 200 && response.status < 300;
  if (ok) return;
  const retryable = isRetryableStatus(response.status);
  const nextRetryDelay = retryable ? retryAfterMs(response.retryAfter) : undefined;
  const excerpt = (response.text ?? JSON.stringify(response.json) ?? '').slice(0, 500);
  throw ApplicationFailure.create({
    type: FAILURES.HttpStatusUnexpected,
    message:
      `${spec.method} ${spec.url} answered ${response.status}, expected ${expected ? expected.join(' or ') : '2xx'}` +
      (excerpt ? `: ${excerpt}` : ''),
    nonRetryable: !retryable,
    details: [{ status: response.status, expected: expected ?? '2xx', body: excerpt }],
    ...(nextRetryDelay !== undefined ? { nextRetryDelay } : {}),
  });
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}

async function readCapped(response: Response): Promise<{ bytes: Buffer; truncated: boolean }> {
  if (!response.body) return { bytes: Buffer.alloc(0), truncated: false };
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { bytes: Buffer.concat(chunks), truncated: false };
    chunks.push(Buffer.from(value));
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      return { bytes: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES), truncated: true };
    }
  }
}

function keptHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = headers.get(name);
    if (value !== null) out[name] = value;
  }
  return out;
}

function isJsonContentType(contentType: string | null): boolean {
  return contentType !== null && /^application\/([\w.-]+\+)?json\b/i.test(contentType.trim());
}

function parseJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value) - Date.now();
  if (!Number.isFinite(ms) || ms <= 0) return undefined;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** undici says "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND, a TLS error) in `cause`. */
function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
