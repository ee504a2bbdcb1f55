/**
 * A site's infra API: the lab's stand-in for a bank's GSLB and inventory services. One instance
 * per site, each on its own port; the traffic switch they control is shared (a GSLB is global).
 *
 *   GET  /health           is the site's PostgreSQL reachable, which role, fenced?
 *   GET  /capacity         the site's inventory (cores, memory, connections) and live usage
 *   PUT  /capacity         change the reported inventory (tests put the DR site below the ratio)
 *   GET  /traffic          the switch's target, fenced sites, open connections
 *   POST /traffic/switch   { target: 'site-a' | 'site-b' }
 *   POST /fence            fence this site (or { site }): the switch sends it no traffic
 *   POST /unfence          the reverse; both idempotent
 *
 * Bodies are checked with zod; a bad one gets a 400 naming the field.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { z } from 'zod';
import { SiteCapacitySchema, SiteIdSchema, type SiteCapacity, type SiteId } from './config';
import type { TrafficSwitch } from './traffic-switch';

export interface SiteHealthProbe {
  reachable: boolean;
  role?: 'primary' | 'standby';
  error?: string;
}

export interface InfraApiDeps {
  site: SiteId;
  trafficSwitch: TrafficSwitch;
  getCapacity(site: SiteId): SiteCapacity;
  setCapacity(site: SiteId, capacity: SiteCapacity): void;
  probePostgres(site: SiteId): Promise<SiteHealthProbe>;
}

export const SwitchTrafficBodySchema = z.strictObject({ target: SiteIdSchema });
export const FenceBodySchema = z.strictObject({ site: SiteIdSchema.optional() });
export const CapacityPatchSchema = SiteCapacitySchema.partial();

/** Parses a body or answers 400 with one issue per bad field; returns undefined when it answered. */
function parseBody<S extends z.ZodType>(schema: S, body: unknown, reply: FastifyReply): z.output<S> | undefined {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join('.') : issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : '(body)';
    return { field, message: issue.message };
  });
  void reply.code(400).send({
    error: 'invalid request body',
    message: issues.map((issue) => `${issue.field}: ${issue.message}`).join('; '),
    issues,
  });
  return undefined;
}

export function buildInfraApi(deps: InfraApiDeps): FastifyInstance {
  const app = Fastify({ logger: false });
  const { site, trafficSwitch } = deps;

  // Operators and scripts POST /fence with no body; fastify's own JSON parser would reject that.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error('request body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.get('/health', async () => {
    const postgres = await deps.probePostgres(site);
    return {
      site,
      status: postgres.reachable ? 'ok' : 'down',
      postgres,
      fenced: trafficSwitch.fenced.includes(site),
      receivingTraffic: trafficSwitch.target === site && !trafficSwitch.fenced.includes(site),
    };
  });

  const capacityView = () => {
    const capacity = deps.getCapacity(site);
    const usedConnections = trafficSwitch.activeConnections(site);
    return {
      site,
      ...capacity,
      usedConnections,
      headroomConnections: Math.max(0, capacity.maxConnections - usedConnections),
    };
  };

  app.get('/capacity', async () => capacityView());

  app.put('/capacity', async (request, reply) => {
    const patch = parseBody(CapacityPatchSchema, request.body, reply);
    if (!patch) return reply;
    deps.setCapacity(site, { ...deps.getCapacity(site), ...patch });
    return capacityView();
  });

  const trafficView = () => ({
    target: trafficSwitch.target,
    fenced: trafficSwitch.fenced,
    activeConnections: {
      'site-a': trafficSwitch.activeConnections('site-a'),
      'site-b': trafficSwitch.activeConnections('site-b'),
    },
    refusedConnections: trafficSwitch.refusedConnections,
  });

  app.get('/traffic', async () => trafficView());

  app.post('/traffic/switch', async (request, reply) => {
    const body = parseBody(SwitchTrafficBodySchema, request.body, reply);
    if (!body) return reply;
    const result = trafficSwitch.switchTo(body.target);
    return { ...result, switchedAt: new Date().toISOString(), ...trafficView() };
  });

  app.post('/fence', async (request, reply) => {
    const body = parseBody(FenceBodySchema, request.body, reply);
    if (!body) return reply;
    const fencedSite = body.site ?? site;
    const result = trafficSwitch.fence(fencedSite);
    return { site: fencedSite, fenced: true, ...result, fencedAt: new Date().toISOString() };
  });

  app.post('/unfence', async (request, reply) => {
    const body = parseBody(FenceBodySchema, request.body, reply);
    if (!body) return reply;
    const unfencedSite = body.site ?? site;
    const result = trafficSwitch.unfence(unfencedSite);
    return { site: unfencedSite, fenced: false, ...result };
  });

  return app;
}
