/**
 * `notify`: posts a message to a webhook (chat, paging, ticketing) as JSON
 * `{ message, channel?, data? }` and expects a 2xx.
 *
 * Failures as in `http`: no response or 5xx/408/425/429 retryable, other statuses not. A retried
 * attempt may deliver the message twice; receivers should tolerate a duplicate notice.
 */
import { z } from 'zod';
import type { Adapter } from './types';
import { resolveWebhookUrl } from '../webhook-url';
import { assertStatus, sendHttpRequest } from './support/http-request';
import { headerNameSchema, jsonSchema, secretRefSchema, timeoutMsSchema } from './support/schemas';

export const notifyInput = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional().describe('the webhook (http:// or https://) the notice is POSTed to as JSON; or urlFromSecret'),
    /** A chat webhook's path is its credential: the URL itself may be a secret. */
    urlFromSecret: secretRefSchema.optional().describe('a secret reference holding the webhook URL (a Slack or Teams webhook\'s path is its credential); instead of url'),
    message: z.string().min(1).describe('the text of the notice'),
    channel: z.string().min(1).optional().describe('a channel name for the receiver (e.g. a chat room)'),
    /** Structured context for the receiver (run, step, measurements). */
    data: jsonSchema.optional().describe('structured context for the receiver (run, step, measurements)'),
    /** Header name -> secret reference (webhook tokens); the secret holds the whole value. */
    headersFromSecrets: z.record(headerNameSchema, secretRefSchema).default({}).describe('header name → secret reference (webhook tokens); the secret holds the whole value'),
    /** 10 s: a notice must not hold up a failover; a slow receiver is retried per the step's policy. */
    timeoutMs: timeoutMsSchema(10_000, 60_000).describe('the POST is abandoned after this long (retried per the step\'s policy)'),
  })
  .refine((i) => (i.url === undefined) !== (i.urlFromSecret === undefined), { error: 'give either url or urlFromSecret, not both, not neither', path: ['url'] });

export type NotifyInput = z.output<typeof notifyInput>;

export const notifyAdapter: Adapter<typeof notifyInput> = {
  name: 'notify',
  description: 'Posts a message to a webhook as JSON and expects a 2xx answer.',
  input: notifyInput,
  async execute(input, ctx) {
    const headers: Record<string, string> = {};
    for (const [name, ref] of Object.entries(input.headersFromSecrets)) {
      headers[name] = await ctx.resolveSecret(ref);
    }
    const body = {
      message: input.message,
      ...(input.channel !== undefined ? { channel: input.channel } : {}),
      ...(input.data !== undefined ? { data: input.data } : {}),
    };
    const url = input.urlFromSecret !== undefined ? await resolveWebhookUrl(input.urlFromSecret, ctx.resolveSecret) : input.url!;
    const spec = { method: 'POST', url, headers, body, timeoutMs: input.timeoutMs };
    const response = await sendHttpRequest(spec, ctx);
    assertStatus(spec, response);
    return { status: response.status, delivered: true, durationMs: response.durationMs };
  },
};
