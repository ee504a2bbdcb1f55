/**
 * A loopback webhook that records what the runbooks' `notify` steps post: the demo's stand-in for
 * the payments team's chat channel. A real HTTP server, so the notify adapter is exercised as is.
 */
import Fastify from 'fastify';

export interface WebhookReceiver {
  url: string;
  /** Bodies received, in order. */
  received: unknown[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const app = Fastify({ logger: false });
  const received: unknown[] = [];
  app.post('/notify', async (request) => {
    received.push(request.body);
    return { received: received.length };
  });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url: `${base}/notify`, received, close: () => app.close() };
}
