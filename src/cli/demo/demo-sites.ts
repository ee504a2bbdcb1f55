/**
 * The demo's stand-in for two sites' infrastructure APIs, on loopback: health, capacity, replication
 * lag and a traffic switch (a GSLB), plus a webhook receiver for notifications. Real HTTP servers, so
 * the drill calls them exactly as it would call a bank's APIs; the DR lab replaces them with real
 * PostgreSQL sites.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { z } from 'zod';

const switchBody = z.strictObject({ target: z.enum(['site-a', 'site-b']) });

export interface DemoSites {
  siteA: string;
  siteB: string;
  webhook: string;
  /** Notifications received by the webhook, in order. */
  notifications: unknown[];
  trafficTarget(): string;
  close(): Promise<void>;
}

export async function startDemoSites(): Promise<DemoSites> {
  let target = 'site-a';
  const notifications: unknown[] = [];

  function site(name: 'site-a' | 'site-b', cpuCores: number, peakCpuCores: number): FastifyInstance {
    const app = Fastify({ logger: false });
    app.get('/health', async () => ({ site: name, status: 'ok' }));
    app.get('/capacity', async () => ({ site: name, cpuCores, peakCpuCores, memoryMb: cpuCores * 4096 }));
    // A healthy replication link: nothing received and not yet applied.
    app.get('/replication', async () => ({ site: name, lagMs: 0, streaming: true }));
    app.get('/traffic', async () => ({ target }));
    app.post('/traffic/switch', async (req, reply) => {
      const body = switchBody.safeParse(req.body);
      if (!body.success) {
        return reply.code(400).send({ error: body.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
      }
      target = body.data.target;
      return { target };
    });
    return app;
  }

  const a = site('site-a', 16, 10);
  const b = site('site-b', 16, 0);
  const hooks = Fastify({ logger: false });
  hooks.post('/notify', async (req) => {
    notifications.push(req.body);
    return { received: notifications.length };
  });
  const [siteA, siteB, webhook] = await Promise.all(
    [a, b, hooks].map((app) => app.listen({ host: '127.0.0.1', port: 0 })),
  );
  return {
    siteA,
    siteB,
    webhook: `${webhook}/notify`,
    notifications,
    trafficTarget: () => target,
    close: async () => {
      await Promise.all([a.close(), b.close(), hooks.close()]);
    },
  };
}
