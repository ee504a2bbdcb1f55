/**
 * A site's infra API: the lab's stand-in for a bank's GSLB and inventory services. One instance
 * per site, each on its own port; the traffic switch they control is shared (a GSLB is global).
 *
 *   GET  /health           is the site's PostgreSQL reachable, which role, fenced?
 *   GET  /replication      a standby: does it stream from its primary, its replay lag (a primary: its standbys)
 *   GET  /capacity         the site's inventory (cores, memory, connections) and live usage
 *   PUT  /capacity         change the reported inventory (tests put the DR site below the ratio)
 *   GET  /traffic          the switch's target, fenced sites, open connections
 *   POST /traffic/switch   { target: 'site-a' | 'site-b' }
 *   POST /fence            fence this site (or { site }): the switch sends it no traffic
 *   POST /unfence          the reverse; both idempotent
 *   POST /rebuild-standby  { source? }: make THIS site a streaming standby of `source` (default the
 *                          other site): pg_rewind, or a base backup when rewinding fails. Refused
 *                          (409) while this site takes traffic or when `source` is not a primary; a
 *                          no-op when it already streams from `source`
 *   POST /scratch-clone    a throwaway clone of THIS site's cluster, promoted on the scratch port
 *   DELETE /scratch-clone  stop and remove it; idempotent
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
  /** The site's replication (lab/replication-probe.ts); absent in tests of the API alone, where it answers 501. */
  probeReplication?(site: SiteId): Promise<Record<string, unknown>>;
  /** Cluster operations (the daemon's); absent in tests of the API alone, where they answer 501. */
  clusters?: ClusterOperations;
}

/** Long-running lab work behind the API; each must be idempotent (a runbook step may be retried). */
export interface ClusterOperations {
  rebuildStandby(site: SiteId, source: SiteId): Promise<Record<string, unknown>>;
  createScratchClone(source: SiteId): Promise<Record<string, unknown>>;
  dropScratchClone(): Promise<Record<string, unknown>>;
}

/** An error a cluster operation throws to answer with a status (409: refused in this state). */
export class InfraApiRefusal extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'InfraApiRefusal';
  }
}

export const SwitchTrafficBodySchema = z.strictObject({ target: SiteIdSchema });
export const FenceBodySchema = z.strictObject({ site: SiteIdSchema.optional() });
export const CapacityPatchSchema = SiteCapacitySchema.partial();
export const RebuildStandbyBodySchema = z.strictObject({ source: SiteIdSchema.optional() });

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

  app.get('/replication', async (_request, reply) => {
    if (!deps.probeReplication) return reply.code(501).send({ error: 'unsupported', message: 'this infra API was started without a replication probe (the lab daemon provides it)' });
    return deps.probeReplication(site);
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

  /** Runs a cluster operation: 501 without one, its own status for a refusal, 500 with the cause else. */
  const clusterOperation = async (reply: FastifyReply, work: (ops: ClusterOperations) => Promise<Record<string, unknown>>) => {
    if (!deps.clusters) return reply.code(501).send({ error: 'unsupported', message: 'this infra API was started without cluster operations (the lab daemon provides them)' });
    try {
      return await work(deps.clusters);
    } catch (error) {
      const status = error instanceof InfraApiRefusal ? error.statusCode : 500;
      return reply.code(status).send({ error: status === 409 ? 'refused' : 'failed', message: (error as Error).message });
    }
  };

  app.post('/rebuild-standby', async (request, reply) => {
    const body = parseBody(RebuildStandbyBodySchema, request.body, reply);
    if (!body) return reply;
    const source = body.source ?? (site === 'site-a' ? 'site-b' : 'site-a');
    if (source === site) {
      return reply.code(400).send({ error: 'invalid request body', message: `source: ${site} cannot be a standby of itself` });
    }
    if (trafficSwitch.target === site && !trafficSwitch.fenced.includes(site)) {
      return reply.code(409).send({
        error: 'refused',
        message: `${site} receives traffic: switch traffic away or fence it before rebuilding it as a standby`,
      });
    }
    return clusterOperation(reply, (ops) => ops.rebuildStandby(site, source));
  });

  app.post('/scratch-clone', async (request, reply) => {
    if (!parseBody(z.strictObject({}), request.body, reply)) return reply;
    return clusterOperation(reply, (ops) => ops.createScratchClone(site));
  });

  app.delete('/scratch-clone', async (_request, reply) => clusterOperation(reply, (ops) => ops.dropScratchClone()));

  return app;
}
