/** Which human action a request is, from its route: for refusals that happen before the route's own code runs. */
import type { FastifyRequest } from 'fastify';

const LAST_SEGMENT_ACTIONS = new Set(['confirm', 'approve', 'decide', 'abort', 'terminate', 'signoff']);

export function actionOfRoute(req: FastifyRequest): { action: string; runId?: string; stepId?: string } {
  const params = (req.params ?? {}) as { runId?: unknown; stepId?: unknown };
  const runId = typeof params.runId === 'string' ? params.runId : undefined;
  const stepId = typeof params.stepId === 'string' ? params.stepId : undefined;
  const route = req.routeOptions?.url;
  if (req.method === 'POST' && route === '/api/runs') return { action: 'start' };
  const last = route?.split('/').pop() ?? '';
  if (req.method === 'POST' && LAST_SEGMENT_ACTIONS.has(last)) return { action: last, runId, stepId };
  // Reads and unknown routes: the method and path (cut), not a human action.
  return { action: `${req.method} ${(route ?? req.url.split('?')[0]).slice(0, 200)}`, runId, stepId };
}
