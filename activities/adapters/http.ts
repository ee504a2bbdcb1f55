/**
 * `http`: one request to an infrastructure API (a GSLB or traffic switch, a capacity inventory, a
 * health endpoint), with an optional expectation on the answer.
 *
 * Failures: `HttpRequestFailed` and `AdapterTimedOut` are retryable (a site in failover refuses
 * connections for a moment); `HttpStatusUnexpected` is retryable for 5xx/408/425/429 and not for other
 * statuses (the same request gets the same answer); `ExpectationNotMet` (a JSON field differs) is not
 * retryable: the server answered definitively, and waiting for a state to arrive is a check's `until`.
 * Secret header values are resolved at call time; what the server echoes of them is redacted by
 * activities/adapter-call.ts, as for every adapter.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { FAILURES } from '../../src/plan/failures';
import type { Json } from '../../src/plan/types';
import type { Adapter } from './types';
import { assertStatus, sendHttpRequest, type HttpRequestSpec } from './support/http-request';
import { getAtPath, jsonEquals } from './support/json';
import { asList, headerNameSchema, jsonSchema, oneOrMany, secretRefSchema, timeoutMsSchema } from './support/schemas';

/** Headers that carry credentials: refused as plain text, since the input is kept in history and the audit trail. */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

const statusSchema = z.number().int().min(100).max(599);

export const httpInput = z
  .strictObject({
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET').describe('the HTTP method'),
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).describe('an http:// or https:// URL'),
    /** Plain headers. Credentials go in `headersFromSecrets`. */
    headers: z.record(headerNameSchema, z.string()).default({}).describe('plain headers; `Authorization`, `Proxy-Authorization` and `Cookie` are refused here (use `headersFromSecrets`)'),
    /** Header name -> secret reference; the secret holds the whole value (e.g. `Bearer abc…`). */
    headersFromSecrets: z.record(headerNameSchema, secretRefSchema).default({}).describe('header name → secret reference; the secret holds the whole value (e.g. `Bearer abc…`)'),
    /** Sent as JSON. */
    body: jsonSchema.optional().describe('sent as JSON (not with GET or HEAD)'),
    /** 30 s: an infrastructure API that has not answered by then is down for this attempt; retries decide the rest. */
    timeoutMs: timeoutMsSchema(30_000, 10 * 60_000).describe('the request is abandoned after this long (retryable)'),
    expect: z
      .strictObject({
        /** Accepted statuses; default any 2xx. */
        status: oneOrMany(statusSchema).optional().describe('accepted status(es) (default: any 2xx)'),
        /** Dot path in the JSON body -> the value it must equal, e.g. `{ "data.state": "active" }`. */
        json: z.record(z.string().min(1), jsonSchema).optional().describe('dot path in the JSON body → the value it must equal, e.g. `{ "data.state": "active" }`'),
      })
      .optional()
      .describe('what the answer must be; an unmet expectation fails the step at once (not retried)'),
  })
  .superRefine((input, ctx) => {
    if (input.body !== undefined && (input.method === 'GET' || input.method === 'HEAD')) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${input.method} request has no body` });
    }
    for (const name of Object.keys(input.headers)) {
      if (CREDENTIAL_HEADERS.includes(name.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: ['headers', name],
          message: `${name} carries a credential: put a secret reference in headersFromSecrets instead`,
        });
      }
    }
  });

export type HttpInput = z.output<typeof httpInput>;

export const httpAdapter: Adapter<typeof httpInput> = {
  name: 'http',
  description: 'Sends one HTTP request and checks its status and JSON fields.',
  input: httpInput,
  async execute(input, ctx) {
    const headers = { ...input.headers };
    for (const [name, ref] of Object.entries(input.headersFromSecrets)) {
      const value = await ctx.resolveSecret(ref);
      headers[name] = value;
    }
    const spec: HttpRequestSpec = {
      method: input.method,
      url: input.url,
      headers,
      body: input.body,
      timeoutMs: input.timeoutMs,
    };
    const response = await sendHttpRequest(spec, ctx);
    assertStatus(spec, response, input.expect?.status === undefined ? undefined : asList(input.expect.status));
    if (input.expect?.json) assertJsonFields(spec, response.json, input.expect.json);

    const output: { [key: string]: Json } = { status: response.status, headers: response.headers };
    if (response.json !== undefined) output.json = response.json;
    else output.text = response.text ?? '';
    if (response.bodyTruncated) output.bodyTruncated = true;
    output.durationMs = response.durationMs;
    return output;
  },
};

/** @throws `ExpectationNotMet`, non-retryable (see the header), naming every differing field. */
function assertJsonFields(spec: HttpRequestSpec, body: Json | undefined, expected: Record<string, Json>): void {
  if (body === undefined) {
    throw ApplicationFailure.create({
      type: FAILURES.ExpectationNotMet,
      message: `${spec.method} ${spec.url}: expected a JSON body to check ${Object.keys(expected).join(', ')}`,
      nonRetryable: true,
    });
  }
  const mismatches = Object.entries(expected)
    .map(([path, value]) => ({ path, expected: value, actual: getAtPath(body, path) ?? null }))
    .filter((m) => !jsonEquals(m.actual, m.expected));
  if (mismatches.length === 0) return;
  throw ApplicationFailure.create({
    type: FAILURES.ExpectationNotMet,
    message:
      `${spec.method} ${spec.url}: ` +
      mismatches
        .map((m) => `${m.path} is ${JSON.stringify(m.actual)}, expected ${JSON.stringify(m.expected)}`)
        .join('; '),
    nonRetryable: true,
    details: [{ mismatches }],
  });
}
